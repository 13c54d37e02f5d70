import type { PageSpec } from "../contract.ts";

export const PAGES: readonly PageSpec[] = [];
export const ASSETS: Record<string, { contentType: string; body: string }> = {};
