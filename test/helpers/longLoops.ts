// Pipelines with long loops, shared by the tests of a loop's bounded record and its journal.

/** A `while: "true"` loop of `max` iterations whose one body step counts a one-item list (cheap, no model). */
export const whileYaml = (max: number) => `id: w
steps:
  - id: loop
    while: "true"
    max_iterations: ${max}
    steps:
      - id: body
        tool: data
        action: aggregate
        parameters:
          data: ["{{ loop.iteration }}"]
          operations: [count]
`;
