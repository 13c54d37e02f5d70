// Files the code starts by path (worker threads, child processes) exist as .ts under src/ (tests,
// `tsx`) and as .js under dist/ (`npm start`, the CLI, the image). tsc rewrites import specifiers,
// not URLs, so such a path is resolved here from the running module's own extension:
//   new Worker(siblingModule(import.meta.url, "./parse-worker"), { execArgv: moduleExecArgv(import.meta.url) })

/** `./name` next to the calling module, with the extension the caller itself runs from. */
export function siblingModule(callerUrl: string, name: string): URL {
  const ext = callerUrl.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`${name.replace(/\.(ts|js)$/, "")}${ext}`, callerUrl);
}

/** Node flags a worker or child needs to run the caller's kind of file: tsx for .ts, none for .js. */
export function moduleExecArgv(callerUrl: string): string[] {
  return callerUrl.endsWith(".ts") ? ["--import", "tsx"] : [];
}
