// Module `source` strings come from untrusted files: these helpers read them in one pass, where the
// regular expressions they replace (/\/+$/, /\/\/.*$/) rescanned a long run from every start
// position (quadratic: 40,000 slashes took over a second).

/** `./modules/x//` → `./modules/x`. */
export function withoutTrailingSlashes(source: string): string {
  let end = source.length;
  while (end > 0 && source.charCodeAt(end - 1) === 47) end--;
  return source.slice(0, end);
}

/**
 * The source without its `//subdirectory` part (`terraform-aws-modules/s3-bucket/aws//modules/x`
 * → `terraform-aws-modules/s3-bucket/aws`): cut at the first `//` with no line break after it,
 * exactly what `source.replace(/\/\/.*$/, "")` did.
 */
export function withoutSubdirectory(source: string): string {
  let lastBreak = -1;
  for (let i = source.length - 1; i >= 0; i--) {
    const c = source.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) {
      lastBreak = i;
      break;
    }
  }
  const at = source.indexOf("//", lastBreak + 1);
  return at < 0 ? source : source.slice(0, at);
}
