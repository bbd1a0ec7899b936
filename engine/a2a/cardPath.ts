// The A2A agents' cards are readable without a token (the token guards the methods, which a card's
// securitySchemes say how to send): the server's auth middleware asks this of a request's path.
// Without the SDK, so that the server loads it only for --a2a.

/** An agent's card, `/a2a/{id}/.well-known/agent-card.json`, or the same path one folder up (its 404 says which URL to give a client). */
export function isA2aCardPath(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && /^\/a2a\/(?:[^/]+\/)?\.well-known\/agent-card\.json$/.test(path);
}
