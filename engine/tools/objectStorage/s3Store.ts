// S3 and S3-compatible stores through @aws-sdk/client-s3. Credentials come from the SDK's standard
// chain only (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE and the
// shared files, instance roles), never from the pipeline. Checksums are sent only where S3 requires
// them: many S3-compatible servers do not speak the newer default (a CRC32 trailer on every upload).
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { abortError, ToolError } from '../../toolkit/runtime';
import type { Body, ObjectInfo, ObjectStore } from './store';

export interface S3Options {
  endpoint?: string;
  region?: string;
  env: NodeJS.ProcessEnv;
}

function s3Error(e: unknown, what: string, signal: AbortSignal): Error {
  if (signal.aborted) return abortError(signal);
  if (e instanceof ToolError) return e;
  const err = e as Error & { name: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  if (err.name === 'NoSuchKey' || err.name === 'NotFound' || (status === 404 && !/bucket/i.test(err.name))) return new ToolError(`No object ${what}`, 'NotFound');
  if (err.name === 'NoSuchBucket') return new ToolError(`${what}: the bucket does not exist`, 'ValueError');
  if (err.name === 'CredentialsProviderError' || status === 403 || err.name === 'AccessDenied' || err.name === 'InvalidAccessKeyId' || err.name === 'SignatureDoesNotMatch') {
    return new ToolError(`${what}: access denied or no credentials (${err.name}); credentials come from the AWS environment variables or profile`, 'PermissionError');
  }
  const retryable = e instanceof S3ServiceException ? (status ?? 500) >= 500 || status === 429 : true;
  return new ToolError(`${what}: ${err.name}: ${err.message}`, retryable ? 'StorageError' : 'ValueError');
}

export class S3Store implements ObjectStore {
  private readonly client: S3Client;

  constructor(
    private readonly bucket: string,
    options: S3Options,
  ) {
    const endpoint = options.endpoint ?? options.env.AWS_ENDPOINT_URL_S3 ?? options.env.AWS_ENDPOINT_URL;
    this.client = new S3Client({
      region: options.region ?? options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
  }

  private url(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async get(key: string, signal: AbortSignal): Promise<Body> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      return { stream: r.Body as Readable, size: r.ContentLength ?? null, contentType: r.ContentType ?? null };
    } catch (e) {
      throw s3Error(e, this.url(key), signal);
    }
  }

  async put(key: string, body: Buffer | Readable, size: number, contentType: string, signal: AbortSignal): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: size, ContentType: contentType }), { abortSignal: signal });
    } catch (e) {
      throw s3Error(e, this.url(key), signal);
    }
  }

  async list(prefix: string, max: number, signal: AbortSignal): Promise<{ objects: ObjectInfo[]; truncated: boolean }> {
    const objects: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      for (;;) {
        const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix || undefined, ContinuationToken: token, MaxKeys: Math.min(1000, max - objects.length + 1) }), { abortSignal: signal });
        for (const o of r.Contents ?? []) objects.push({ key: o.Key ?? '', size: o.Size ?? 0, last_modified: o.LastModified ? o.LastModified.toISOString() : null });
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
        if (!token || objects.length > max) break;
      }
    } catch (e) {
      throw s3Error(e, this.url(prefix), signal);
    }
    return { objects: objects.slice(0, max), truncated: objects.length > max || token !== undefined };
  }

  async delete(key: string, signal: AbortSignal): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
    } catch (e) {
      throw s3Error(e, this.url(key), signal);
    }
  }
}
