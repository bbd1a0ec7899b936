// The `sql` tool as a run composes it: its session (the run's connections) and the secrets the run
// must redact.
import type { ConnectionDecl } from '../../spec/types';
import { loadUserConnections, urlPassword } from './connections';

export { createSqlTool, sqlTool } from './tool';
export { SqlSession } from './session';

/** The values the run redacts, by variable name: the variables `url_env` and `password_env` name (the pipeline's connections and the user's), the password inside a URL variable, and PGPASSWORD. `userConnections`: the user's declarations when the caller read them (else they are read here). */
export function sqlSecretValues(connections: Record<string, ConnectionDecl>, env: NodeJS.ProcessEnv = process.env, userConnections?: Record<string, ConnectionDecl>): Record<string, string> {
  const out: Record<string, string> = {};
  // pg reads PGPASSWORD when a URL gives no password: a secret too, whatever its name
  if (env.PGPASSWORD) out.PGPASSWORD = env.PGPASSWORD;
  const user = userConnections ?? loadUserConnections(env).connections;
  // the user's declarations, then the pipeline's (walked without arrays of them: every run asks)
  const add = (d: ConnectionDecl) => {
    for (const name of [d.url_env, d.password_env]) {
      if (typeof name !== 'string') continue;
      const v = env[name];
      if (!v) continue;
      out[name] = v;
      const p = name === d.url_env ? urlPassword(v) : null;
      if (p) {
        out[`${name} password`] = p;
        if (decodeURIComponent(p) !== p) out[`${name} password `] = decodeURIComponent(p);
      }
    }
  };
  for (const k in user) if (Object.prototype.hasOwnProperty.call(user, k)) add(user[k]);
  for (const k in connections) if (Object.prototype.hasOwnProperty.call(connections, k)) add(connections[k]);
  return out;
}
