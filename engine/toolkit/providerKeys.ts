// The environment variables that hold model providers' keys: a tool never hands them to a process
// or server it starts, and the run redacts their values wherever a value is written.
export const PROVIDER_KEY_VARIABLES = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'];

/** OTLP exporters' headers carry their backends' credentials (Langfuse's Basic auth, Phoenix's bearer key). */
export const OTLP_HEADER_VARIABLE = /^OTEL_EXPORTER_OTLP_(TRACES_|METRICS_|LOGS_)?HEADERS$/i;

/**
 * The server's own secrets (`orc serve`'s bearer tokens): never given to a step's process or server,
 * whatever its `pass_env` says. A step is code the pipeline's author wrote; the server's tokens
 * guard every pipeline it serves.
 */
export const SERVER_SECRET_VARIABLES = ['ORC_SERVE_TOKENS'];

/** Whether a process or server a step starts is not given this variable: a provider's key, the OTLP exporters' credentials, or the server's tokens. */
export function isWithheldVariable(name: string): boolean {
  return PROVIDER_KEY_VARIABLES.includes(name) || OTLP_HEADER_VARIABLE.test(name) || isServerSecret(name);
}

/** A variable no step gets, even by naming it in `pass_env`. */
export function isServerSecret(name: string): boolean {
  return SERVER_SECRET_VARIABLES.includes(name.toUpperCase());
}
