/**
 * Variables of a dotenv file as docker compose and kustomize read it: `NAME=value` lines; blank lines and lines
 * starting with `#` are skipped. `commented` lists the names that appear only commented out (`# NAME=value`),
 * which is how .env.example documents optional variables.
 */
export function parseEnvFile(text: string): { values: Map<string, string>; commented: Set<string> } {
  const values = new Map<string, string>();
  const commented = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const assignment = /^(#\s*)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!assignment) continue;
    const [, hash, name, value] = assignment as unknown as [string, string | undefined, string, string];
    if (hash) commented.add(name);
    else values.set(name, value);
  }
  return { values, commented };
}
