// Pipelines the debugger's tests (engine hooks, DAP) share: a chain of three file steps whose
// effects show whether a step has run, and with what inputs.

/** greet (lines 7-12) writes greet.txt, read (13-18) reads it, copy (19-24) writes its content to copy.txt. */
export const CHAIN = `id: chain
parameters:
  who:
    type: string
    default: world
steps:
  - id: greet
    tool: filesystem
    action: write
    parameters:
      path: greet.txt
      content: "hello {{ who }}"
  - id: read
    tool: filesystem
    action: read
    dependencies: [greet]
    parameters:
      path: greet.txt
  - id: copy
    tool: filesystem
    action: write
    dependencies: [read]
    parameters:
      path: copy.txt
      content: "{{ read.result.content }}"
`;

/** bad reads a file that is not there (it fails); after depends on it. */
export const FAILING = `id: failing
steps:
  - id: bad
    tool: filesystem
    action: read
    parameters:
      path: missing.txt
  - id: after
    tool: filesystem
    action: write
    dependencies: [bad]
    parameters:
      path: after.txt
      content: x
`;
