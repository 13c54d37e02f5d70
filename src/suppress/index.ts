// Every suppression of a tree: comments in its Terraform files, entries of its Trivy ignore files.

import type { SourceFile } from "../hcl/index.ts";
import { type Suppression, suppressionsInText } from "./comments.ts";
import { IgnoreFileError, parseTrivyignore, parseTrivyignoreYaml, TRIVYIGNORE_YAML } from "./ignore-files.ts";

export type { Suppression } from "./comments.ts";

export interface CollectedSuppressions {
  suppressions: Suppression[];
  /** Ignore files that could not be read as their tool defines them (file and why). */
  problems: Array<{ file: string; reason: string }>;
}

export function collectSuppressions(
  sources: readonly SourceFile[],
  ignoreFiles: ReadonlyArray<{ path: string; text: string }> = [],
): CollectedSuppressions {
  const suppressions = sources
    .filter((s) => s.path.endsWith(".tf"))
    .flatMap((s) => suppressionsInText(s.path, s.text));
  const problems: CollectedSuppressions["problems"] = [];
  for (const f of ignoreFiles) {
    try {
      suppressions.push(
        ...(f.path.endsWith(TRIVYIGNORE_YAML)
          ? parseTrivyignoreYaml(f.text, f.path)
          : parseTrivyignore(f.text, f.path)),
      );
    } catch (e) {
      if (!(e instanceof IgnoreFileError)) throw e;
      problems.push({ file: f.path, reason: e.message.replace(`${f.path}: `, "") });
    }
  }
  return { suppressions, problems };
}
