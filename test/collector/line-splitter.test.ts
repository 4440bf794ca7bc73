import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LineSplitter } from '../../src/collector/index.js';

function split(chunks: (string | Buffer)[], max = 16): [string, boolean][] {
  const out: [string, boolean][] = [];
  const splitter = new LineSplitter((line, truncated) => out.push([line, truncated]), max);
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  splitter.end();
  return out;
}

describe('LineSplitter', () => {
  const table: { name: string; chunks: (string | Buffer)[]; max?: number; want: [string, boolean][] }[] = [
    {
      name: 'whole lines',
      chunks: ['a=1\nb=2\n'],
      want: [
        ['a=1', false],
        ['b=2', false],
      ],
    },
    {
      name: 'partial lines across chunks',
      chunks: ['lo', 'ss=0', '.5\nac', 'c=1\n'],
      want: [
        ['loss=0.5', false],
        ['acc=1', false],
      ],
    },
    {
      name: 'CRLF',
      chunks: ['a\r\nb\r', '\n'],
      want: [
        ['a', false],
        ['b', false],
      ],
    },
    { name: 'a lone CR stays', chunks: ['a\rb\n'], want: [['a\rb', false]] },
    {
      name: 'last line without newline',
      chunks: ['a\nb'],
      want: [
        ['a', false],
        ['b', false],
      ],
    },
    {
      name: 'empty lines',
      chunks: ['\n\n'],
      want: [
        ['', false],
        ['', false],
      ],
    },
    {
      name: 'UTF-8 character split across chunks',
      chunks: [Buffer.from([0x63, 0x61, 0x66, 0xc3]), Buffer.from([0xa9, 0x0a])],
      want: [['café', false]],
    },
    {
      name: 'long line in one chunk is cut',
      chunks: ['0123456789abcdefXYZ\nok\n'],
      want: [
        ['0123456789abcdef', true],
        ['ok', false],
      ],
    },
    {
      name: 'long line across chunks is cut, rest dropped until newline',
      chunks: ['0123456789', 'abcdefghij', 'klmn', 'op\nnext\n'],
      want: [
        ['0123456789abcdef', true],
        ['next', false],
      ],
    },
    {
      name: 'long last line without newline',
      chunks: ['0123456789abcdefgh'],
      want: [['0123456789abcdef', true]],
    },
    {
      name: 'invalid UTF-8 becomes U+FFFD',
      chunks: [Buffer.from([0xff, 0x41, 0x0a])],
      want: [['\ufffdA', false]],
    },
  ];
  for (const c of table) {
    test(c.name, () => assert.deepEqual(split(c.chunks, c.max), c.want));
  }

  test('reset drops a partial line', () => {
    const out: string[] = [];
    const splitter = new LineSplitter((line) => out.push(line), 100);
    splitter.push(Buffer.from('half a li'));
    splitter.reset();
    splitter.push(Buffer.from('new\n'));
    assert.deepEqual(out, ['new']);
  });

  test('chunks kept as partial lines are copied (the caller may reuse its buffer)', () => {
    const out: string[] = [];
    const splitter = new LineSplitter((line) => out.push(line), 100);
    const buf = Buffer.from('abc');
    splitter.push(buf);
    buf.write('XYZ');
    splitter.push(Buffer.from('d\n'));
    assert.deepEqual(out, ['abcd']);
  });
});
