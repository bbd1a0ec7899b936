// The floor of `npm run bench eval`: the model calls alone. The `openai` SDK, as our provider layer
// drives it, makes the same calls an eval of N cases × 2 variants makes (the same prompts, the same
// two models, the same concurrency) against the same loopback server, and checks each answer as the
// eval's two assertions do; nothing else. With `transport` as its third argument the SDK is given
// the fetch our providers give it (engine/models/httpTransport.ts), as our eval's calls are made;
// without, its own (the global fetch). Bundled and run like our driver. Prints one JSON line:
// `wallMs`, from the first call to the last answer.
import OpenAI from 'openai';
import { modelFetch } from '../engine/models/httpTransport';

async function main(): Promise<void> {
  const [cases, concurrency] = [Number(process.argv[2]), Number(process.argv[3])];
  const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0, ...(process.argv[4] === 'transport' ? { fetch: modelFetch } : {}) });
  const runs = cases * 2;
  let next = 0;
  let passed = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < runs) {
      const i = next++;
      const topic = `topic ${i >> 1}`;
      const r = await client.chat.completions.create({ model: i % 2 ? 'gpt-4o' : 'gpt-4o-mini', messages: [{ role: 'user', content: `Answer in JSON about ${topic}` }] });
      const text = r.choices[0]?.message?.content ?? '';
      try {
        JSON.parse(text);
        if (text.includes(topic)) passed++;
      } catch {
        // not JSON: not passed
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  console.log(JSON.stringify({ wallMs: performance.now() - t0, passed, runs }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
