/**
 * Keeps secrets out of everything the action writes besides the log (which the runner masks for registered secrets):
 * the job summary, the report file, the PR comment and the outputs. Error texts from ARM, Entra ID or a gateway may
 * echo a key or a token (a 500 body, an `error_description`), so every text leaving the process passes through here.
 * Pure.
 */

/** JWT-shaped text, also truncated (`eyJ…` base64url segments). */
const JWT = /eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)*/g;

/** Replaces JWT-shaped strings and the given secrets (4 characters or more) by `***`. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(JWT, '***');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}

/**
 * Text safe for a plain log line (`core.info` writes it as is). The runner reads an output line as a workflow command
 * when its text, trimmed of white space as .NET trims it (which includes U+0085 NEL and U+00A0), starts with `::`,
 * and — the legacy form — when it contains `##[` anywhere (actions/runner ActionCommandManager: TryParseV2, then
 * TryParse with IndexOf("##[")). Such lines get `: :` for the leading `::` and `#‌#[` (a zero-width non-joiner between
 * the hashes) for every `##[`, so text from ARM, a policy or an error body can never issue a command. Other text is
 * unchanged. Pure.
 */
export function defuseCommands(text: string): string {
  return text.replace(/^([\s\u0085\u180e\u200b\ufeff]*)::/gm, '$1: :').replace(/##\[/g, '#\u200c#[');
}

/** Deep-copies `value` with every string (not object keys) scrubbed as {@link scrub} does. */
export function scrubDeep<T>(value: T, secrets: readonly string[] = []): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrub(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** A registry of the run's secrets (subscription keys, tokens, the GitHub token) with scrubbing bound to it. */
export interface SecretRegistry {
  add(secret: string | undefined): void;
  scrub(text: string): string;
  scrubDeep<T>(value: T): T;
}

/** Creates an empty registry. */
export function createSecretRegistry(): SecretRegistry {
  const secrets = new Set<string>();
  return {
    add(secret) {
      if (secret) secrets.add(secret);
    },
    scrub: (text) => scrub(text, [...secrets]),
    scrubDeep: (value) => scrubDeep(value, [...secrets])
  };
}
