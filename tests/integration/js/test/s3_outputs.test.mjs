// Calculation output over S3 through @aws-sdk/client-s3 (issue 14; CONTRACT §3b): the same
// endpoint as the Athena client, path-style (forcePathStyle). A COMPLETED and a FAILED
// calculation's stdout/stderr/result, HeadObject, a range, ListObjectsV2 paging, NoSuchKey before
// the end, a refused write. Manual clock: nothing sleeps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetCalculationExecutionCommand, StartCalculationExecutionCommand } from '@aws-sdk/client-athena';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { withEmulator } from './harness.mjs';

const WG = 'wg-s3-js';
const OUT = 's3://emu-out-js/results/';
const DONE_AT = 1300;
const FIXTURES = {
  profiles: {
    calc: {
      creating_ms: 0, created_ms: 0, terminating_ms: 0, calculation_creating_ms: 100,
      calculation_queued_ms: 200, calculation_running_ms: 1000, calculation_canceling_ms: 300,
    },
  },
  workgroups: [{
    name: WG,
    engine_version: 'PySpark engine version 3',
    profile: 'calc',
    configuration: {
      ExecutionRole: 'arn:aws:iam::123456789012:role/r',
      ResultConfiguration: { OutputLocation: OUT },
    },
  }],
  sessions: [{ id: 'js-s3', workgroup: WG, script: [{ after_ms: 0, state: 'IDLE' }] }],
  outcomes: [
    { match: { code_contains: 'raise' }, state: 'FAILED', reason: 'KeyError: x' },
    { match: { code_contains: 'hello' }, state: 'COMPLETED', stdout: 'hello js\n', result_text: '[1,2]' },
  ],
};

function split(uri) {
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  return { Bucket: rest.slice(0, slash), Key: rest.slice(slash + 1) };
}

async function withS3(body) {
  return withEmulator(['--fixtures', 'none'], async (emu) => {
    await emu.loadFixtures(FIXTURES);
    const s3 = new S3Client({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    try {
      return await body(emu, s3);
    } finally {
      s3.destroy();
    }
  });
}

async function runCalc(emu, code, finish = true) {
  const { CalculationExecutionId: id } = await emu.client.send(
    new StartCalculationExecutionCommand({ SessionId: 'js-s3', CodeBlock: code }));
  if (finish) await emu.advance(DONE_AT);
  return emu.client.send(new GetCalculationExecutionCommand({ CalculationExecutionId: id }));
}

test('a COMPLETED calculation: stdout, result, HeadObject, a range; NoSuchKey before the end', async () => {
  await withS3(async (emu, s3) => {
    const started = await runCalc(emu, 'print("hello")', false);
    const early = split(`${started.WorkingDirectory}${started.CalculationExecutionId}/stdout.txt`);
    await assert.rejects(s3.send(new GetObjectCommand(early)), (e) => e.name === 'NoSuchKey' && e.$metadata.httpStatusCode === 404);
    await emu.advance(DONE_AT);
    const calc = await emu.client.send(
      new GetCalculationExecutionCommand({ CalculationExecutionId: started.CalculationExecutionId }));
    assert.equal(calc.Result.StdOutS3Uri, `${OUT}js-s3/${calc.CalculationExecutionId}/stdout.txt`);
    const out = await s3.send(new GetObjectCommand(split(calc.Result.StdOutS3Uri)));
    assert.equal(await out.Body.transformToString(), 'hello js\n');
    assert.equal(out.ContentType, 'text/plain');
    const result = await s3.send(new GetObjectCommand(split(`${calc.Result.ResultS3Uri}result.json`)));
    assert.equal(await result.Body.transformToString(), '[1,2]');
    const head = await s3.send(new HeadObjectCommand(split(calc.Result.StdOutS3Uri)));
    assert.equal(head.ContentLength, 9);
    assert.match(head.ETag, /^"[0-9a-f]{32}"$/);
    const part = await s3.send(new GetObjectCommand({ ...split(calc.Result.StdOutS3Uri), Range: 'bytes=0-4' }));
    assert.equal(await part.Body.transformToString(), 'hello');
    assert.equal(part.ContentRange, 'bytes 0-4/9');
  });
});

test('a FAILED calculation: stderr is the reason as a traceback tail; writes are refused', async () => {
  await withS3(async (emu, s3) => {
    const calc = await runCalc(emu, 'raise KeyError("x")');
    assert.equal(calc.Status.State, 'FAILED');
    const err = await s3.send(new GetObjectCommand(split(calc.Result.StdErrorS3Uri)));
    assert.equal(await err.Body.transformToString(),
      'Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\nKeyError: x\n');
    await assert.rejects(s3.send(new PutObjectCommand({ ...split(calc.Result.StdOutS3Uri), Body: 'x' })),
      (e) => e.name === 'AccessDenied' && e.$metadata.httpStatusCode === 403);
  });
});

test('ListObjectsV2 pages with MaxKeys and ContinuationToken', async () => {
  await withS3(async (emu, s3) => {
    await runCalc(emu, 'print("hello")');
    await runCalc(emu, 'raise KeyError("x")');
    const { Bucket, Key: Prefix } = split(OUT);
    const keys = [];
    let token;
    let pages = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix, MaxKeys: 2, ContinuationToken: token }));
      pages += 1;
      keys.push(...(page.Contents ?? []).map((o) => o.Key));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    assert.equal(keys.length, 5);
    assert.deepEqual(keys, [...keys].sort());
    assert.equal(pages, 3);
  });
});
