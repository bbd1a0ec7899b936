// The pii guard's finders: each kind found where it is, checksums that keep look-alikes out, and
// the redaction a person reads.
import { strict as assert } from 'node:assert';
import { findPii, ibanValid, luhn, PII_KINDS, redactMatches, type PiiKind } from '../../../engine/guard/pii';

const redact = (text: string, kinds: readonly PiiKind[] = PII_KINDS) => redactMatches(text, findPii(text, kinds));

describe('guard: pii', () => {
  it('card numbers pass Luhn, IBANs their mod-97 check; look-alikes do not', () => {
    assert.equal(luhn('4111111111111111'), true);
    assert.equal(luhn('4111111111111112'), false);
    assert.equal(ibanValid('DE89 3704 0044 0532 0130 00'), true);
    assert.equal(ibanValid('GB82WEST12345698765432'), true);
    assert.equal(ibanValid('DE89 3704 0044 0532 0130 01'), false);
    assert.equal(redact('card 4111-1111-1111-1111, not 4111 1111 1111 1112'), 'card [REDACTED:card], not 4111 1111 1111 1112');
    assert.equal(redact('pay to GB82 WEST 1234 5698 7654 32 or GB82 WEST 1234 5698 7654 33', ['iban']), 'pay to [REDACTED:iban] or GB82 WEST 1234 5698 7654 33');
  });

  it('emails, phones, IPs and key shapes, each as its kind', () => {
    assert.equal(redact('mail a.b+c@mail.example.org.'), 'mail [REDACTED:email].');
    assert.equal(redact('call (415) 555-0134 or +44 20 7946 0958'), 'call [REDACTED:phone] or [REDACTED:phone]');
    assert.equal(redact('host 10.0.0.12 and fe80::1ff:fe23:4567:890a, version 1.2.3'), 'host [REDACTED:ip] and [REDACTED:ip], version 1.2.3');
    // IPv6 at either end, loopback, beside other colons (a time, a label): only the addresses
    assert.equal(redact('2001:db8::8a2e:370:7334 then ::1, at 13:45 re: cafe::, dead:beef:0:0:0:0:0:1', ['ip']), '[REDACTED:ip] then [REDACTED:ip], at 13:45 re: [REDACTED:ip], [REDACTED:ip]');
    assert.equal(redact('{"a":"b","c":1}::', ['ip']), '{"a":"b","c":1}::');
    assert.equal(redact('keys sk-proj-abcdefghijklmnopqrstuvwx AKIAIOSFODNN7EXAMPLE ghp_0123456789abcdefghijklmnopqrstuvwxyz'), 'keys [REDACTED:secret] [REDACTED:secret] [REDACTED:secret]');
  });

  it('dates, times, prices and order numbers are not personal data', () => {
    const plain = 'On 2026-11-26 at 13:45:10 order 12345 cost $1,299.00 (v2.10.1), ref 2026/11.';
    assert.deepEqual(findPii(plain, ['email', 'phone', 'card', 'iban', 'secret', 'ip']), []);
  });

  it('only the kinds asked for', () => {
    assert.equal(redact('a@b.co 10.0.0.1', ['ip']), 'a@b.co [REDACTED:ip]');
  });

  it('a megabyte with no @ and long runs of letters and digits is read in one pass', () => {
    const big = `${'a'.repeat(500_000)} ${'1'.repeat(500_000)}`;
    assert.deepEqual(findPii(big, ['email', 'phone', 'card', 'iban', 'secret', 'ip']), []);
  });
});
