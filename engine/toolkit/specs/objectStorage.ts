// The `object-storage` tool's contract: objects in S3-compatible storage (`s3://bucket/key`) or in a
// folder of the workspace (`file://folder/key`, the embedded default). Pure data.
import type { ParamSpec, ToolSpec } from '../toolSpec';

const url = (what: string): ParamSpec => ({ type: 'string', required: true, description: `${what}: \`s3://bucket/key\`, or \`file://folder/key\` (a folder inside the workspace, relative to the working directory).` });
const endpoint: ParamSpec = { type: 'string', description: 'An S3-compatible endpoint (MinIO, R2, a local server); default `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, else AWS. Credentials come from the standard AWS variables or profile only.' };
const region: ParamSpec = { type: 'string', description: 'The bucket\'s region (default `AWS_REGION`, `AWS_DEFAULT_REGION`, else us-east-1).' };
const timeout: ParamSpec = { type: 'number', description: 'Seconds before the request is given up (default 60; the step\'s `timeout` also applies).', default: 60 };

export const objectStorageSpec: ToolSpec = {
  name: 'object-storage',
  description: 'Gets, puts, lists and deletes objects in S3-compatible storage (`s3://`) or in a folder of the workspace (`file://`).',
  actions: {
    get: {
      description: 'Reads an object: as text in the result, or streamed into a file with `to_file`.',
      parameters: {
        url: url('The object'),
        to_file: { type: 'string', description: 'Write the object to this file inside the workspace instead of the result (streamed, any size).' },
        max_bytes: { type: 'integer', description: 'Largest object read into the result (default 10 MB); a larger one fails unless `to_file` is given.', default: 10485760 },
        endpoint,
        region,
        timeout,
      },
      result: { url: 'The object as given.', content: 'Its text (UTF-8), or null with `to_file`.', size: 'Size in bytes.', content_type: 'Its content type, when the store keeps one.', file: 'The file written with `to_file`, else null.' },
    },
    put: {
      description: 'Writes an object from text or data (`content`) or from a file (`from_file`); replaces an existing one.',
      parameters: {
        url: url('The object'),
        content: { type: 'any', description: 'Text to write (data is written as JSON).' },
        from_file: { type: 'string', description: 'A file inside the workspace to upload instead of `content` (streamed).' },
        content_type: { type: 'string', description: 'Its content type (default `text/plain; charset=utf-8` for text, `application/json` for data, `application/octet-stream` for a file).' },
        endpoint,
        region,
        timeout,
      },
      result: { url: 'The object as given.', size: 'Bytes written.' },
    },
    list: {
      description: 'Lists the objects whose key starts with a prefix.',
      parameters: {
        url: url('The prefix'),
        max_keys: { type: 'integer', description: 'Most objects returned (default 1,000); more set `truncated: true`.', default: 1000 },
        endpoint,
        region,
        timeout,
      },
      result: { objects: 'List of `{key, url, size, last_modified}`, by key.', count: 'How many.', truncated: 'true when more objects matched than `max_keys`.' },
    },
    delete: {
      description: 'Deletes an object; one that does not exist is no error.',
      parameters: { url: url('The object'), endpoint, region, timeout },
      result: { url: 'The object as given.', deleted: 'true.' },
    },
  },
};
