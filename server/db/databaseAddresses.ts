/** The database's host:port (and its loopback aliases), which no job may ever reach. */
export function databaseAddresses(databaseUrl: string): string[] {
  const { hostname, port } = new URL(databaseUrl);
  const p = port || "5432";
  const hosts = new Set([hostname]);
  if (["127.0.0.1", "localhost", "::1", "[::1]"].includes(hostname)) {
    for (const alias of ["127.0.0.1", "localhost", "[::1]", "0.0.0.0"]) hosts.add(alias);
  }
  return [...hosts].map((host) => `${host}:${p}`);
}
