// The session secret and what is derived from it. FIXLOOP_SESSION_SECRET when set; otherwise a
// random secret generated once into the data directory (`session-secret`, mode 0600) and read back
// at every start, so sessions survive a restart. Two keys are derived from it with HKDF: one signs
// cookies (HMAC-SHA256), one encrypts the users' GitHub tokens in the store (AES-256-GCM), so a
// dump of the database alone gives no usable token.

import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const SESSION_SECRET_FILE = "session-secret";
/** Shorter secrets are refused: a guessable secret forges every cookie. */
const MIN_SECRET_LENGTH = 32;

export interface SessionSecret {
  secret: string;
  /** Where it came from, for the start-up log line (never the secret). */
  source: "environment" | "file" | "generated";
}

/** FIXLOOP_SESSION_SECRET, or the data directory's secret file (created when missing). */
export function loadSessionSecret(envSecret: string | undefined, dataDir: string): SessionSecret {
  if (envSecret) {
    if (envSecret.length < MIN_SECRET_LENGTH)
      throw new Error(`FIXLOOP_SESSION_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
    return { secret: envSecret, source: "environment" };
  }
  const path = join(dataDir, SESSION_SECRET_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    // "wx": two replicas starting together never overwrite each other's secret.
    writeFileSync(path, `${randomBytes(32).toString("base64url")}\n`, { flag: "wx", mode: 0o600 });
    return { secret: readSecretFile(path), source: "generated" };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return { secret: readSecretFile(path), source: "file" };
  }
}

function readSecretFile(path: string): string {
  const secret = readFileSync(path, "utf8").trim();
  if (secret.length < MIN_SECRET_LENGTH)
    throw new Error(`${path} holds no usable session secret: delete it to generate a new one`);
  return secret;
}

/** Signing and encryption with keys derived from the session secret. */
export class SessionKeys {
  readonly #signing: Buffer;
  readonly #encryption: Buffer;

  constructor(secret: string) {
    const derive = (info: string) => Buffer.from(hkdfSync("sha256", secret, "fixloop", info, 32));
    this.#signing = derive("cookie signing");
    this.#encryption = derive("user token encryption");
  }

  /** `value.signature`; the value must not contain a dot-free signature of its own. */
  sign(value: string): string {
    return `${value}.${this.#mac(value)}`;
  }

  /** The value a signed string carries, or null when it was not signed with this secret. */
  verify(signed: string): string | null {
    const dot = signed.lastIndexOf(".");
    if (dot <= 0) return null;
    const value = signed.slice(0, dot);
    const given = Buffer.from(signed.slice(dot + 1));
    const expected = Buffer.from(this.#mac(value));
    return given.length === expected.length && timingSafeEqual(given, expected) ? value : null;
  }

  /** `v1.<iv>.<ciphertext>.<tag>` (base64url): AES-256-GCM under the derived key. */
  encrypt(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#encryption, iv);
    const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
    return ["v1", iv, body, cipher.getAuthTag()]
      .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
      .join(".");
  }

  /** The text, or null when the box was not sealed with this secret (rotated) or was altered. */
  decrypt(box: string): string | null {
    const [version, iv, body, tag] = box.split(".");
    if (version !== "v1" || !iv || body === undefined || !tag) return null;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#encryption, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      return null;
    }
  }

  #mac(value: string): string {
    return createHmac("sha256", this.#signing).update(value).digest("base64url");
  }
}
