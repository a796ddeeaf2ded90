import * as fs from 'node:fs';
import * as path from 'node:path';
import { ownFamilyTypes } from '../../../lambdas/adapters/pushgateway';

describe('ownFamilyTypes', () => {
  it("keeps the families with a series without job (the Pushgateway's own), with their types", () => {
    const text = [
      '# TYPE go_goroutines gauge',
      'go_goroutines 12',
      '# TYPE pushgateway_http_requests_total counter',
      'pushgateway_http_requests_total{code="200",handler="push",method="put"} 3',
      '# TYPE batch_duration_seconds gauge',
      'batch_duration_seconds{instance="",job="nightly"} 42',
      '# TYPE push_time_seconds gauge',
      'push_time_seconds{instance="",job="nightly"} 1.7e+09',
      '',
    ].join('\n');
    expect([...ownFamilyTypes(text)]).toEqual([
      ['go_goroutines', 'gauge'],
      ['pushgateway_http_requests_total', 'counter'],
    ]);
  });

  it('reads the families of a real Pushgateway capture', () => {
    const capture = fs.readFileSync(
      path.join(__dirname, '..', '..', 'fixtures', 'exposition', 'exporters', 'pushgateway.prom'),
      'utf8',
    );
    const own = ownFamilyTypes(capture);
    expect([own.get('go_goroutines'), own.get('process_cpu_seconds_total'), own.get('pushgateway_build_info')]).toEqual(
      ['gauge', 'counter', 'gauge'],
    );
  });

  it('is empty for a body that does not parse', () => {
    expect(ownFamilyTypes('not a metric line\n').size).toBe(0);
  });
});
