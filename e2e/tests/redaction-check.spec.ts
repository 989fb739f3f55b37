import { expect, test } from '@playwright/test';
import { findLeaks, RedactionError } from '../harness/redaction-check.js';

// The global teardown runs findLeaks over the logs of the whole run; these tests show it would notice a leak,
// so its passing means something.
const password = 'e2e-demo-password';
const refreshToken = 'Qx7_1b2c3d4e5f6g7h8i9j0kLmNoPqRsTuVwXyZ01234';
const accessToken = 'eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCJ9.eyJzaWQiOiJzMSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const sessionCookie = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXYtaXYtaXYtaXY.Y2lwaGVydGV4dC1jaXBoZXJ0ZXh0.dGFnLXRhZy10YWc';

test.describe('redaction check', () => {
  test('finds the password, an issued token and anything JWT-shaped, by file and line', () => {
    const logs = [
      { file: '/logs/web.log', text: `{"msg":"ok","reqId":"r1"}\n{"body":{"password":"${password}"}}` },
      { file: '/logs/user-service.log', text: `{"refreshToken":"${refreshToken}"}\n{"authorization":"Bearer ${accessToken}"}\n{"cookie":"s=${sessionCookie}"}` },
    ];
    const leaks = findLeaks(logs, { password, issued: [refreshToken] });
    expect(leaks.map((leak) => `${leak.file}:${leak.line} ${leak.kind}`)).toEqual([
      '/logs/web.log:2 password',
      '/logs/user-service.log:1 issued secret',
      '/logs/user-service.log:2 JWT/JWE',
      '/logs/user-service.log:3 JWT/JWE',
    ]);
    // The report names where, never what.
    expect(new RedactionError(leaks).message).not.toContain(refreshToken);
    expect(new RedactionError(leaks).message).not.toContain(password);
  });

  test('passes logs with redacted fields, request ids and session ids', () => {
    const logs = [
      { file: '/logs/web.log', text: '{"reqId":"6f1c2d3e-0000-4000-8000-000000000000","sid":"s_abc","refreshToken":"[redacted]","authorization":"[redacted]"}' },
    ];
    expect(findLeaks(logs, { password, issued: [refreshToken, accessToken] })).toEqual([]);
  });
});
