// The environment variables that hold model providers' keys: a tool never hands them to a process
// or server it starts, and the run redacts their values wherever a value is written.
export const PROVIDER_KEY_VARIABLES = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'];
