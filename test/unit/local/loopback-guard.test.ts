import { browserRequestRefusal } from '../../../lambdas/local/loopback-guard';

describe('browserRequestRefusal (local servers)', () => {
  it.each([
    [{}],
    [{ host: '127.0.0.1:9091' }],
    [{ host: 'localhost:8080' }],
    [{ host: 'LOCALHOST' }],
    [{ host: '[::1]:9091' }],
  ])('serves what clients send: %j', (headers) => {
    expect(browserRequestRefusal(headers)).toBeUndefined();
  });

  it.each([
    [{ origin: 'null' }, /Origin "null"/],
    [{ origin: 'https://evil.example', host: '127.0.0.1:9091' }, /from a web page/],
    [{ host: 'rebound.evil.example:9091' }, /Host "rebound.evil.example:9091" is not a loopback address/],
    [{ host: '127.0.0.1.evil.example' }, /not a loopback address/],
    [{ host: 'localhost.evil.example:80' }, /not a loopback address/],
  ])('refuses what a browser sends: %j', (headers, message) => {
    expect(browserRequestRefusal(headers)).toMatch(message);
  });
});
