// Messages between the app's main thread and its indexing worker.

import type { SourceFile, TerraformIndex } from "../hcl/index.ts";

export interface WorkerRequest {
  id: number;
  files: SourceFile[];
}

export interface PlainSyntaxError {
  file: string;
  line: number;
  column: number;
  reason: string;
}

export type WorkerReply =
  | { id: number; kind: "file"; path: string }
  | { id: number; kind: "done"; index: TerraformIndex; errors: PlainSyntaxError[] }
  | { id: number; kind: "failed"; message: string };
