import type { INamespace } from 'protobufjs/light';

/**
 * The reflection descriptor of `./metrics.proto` (prometheus/client_model v0.3.0), as protobufjs' `Root.toJSON()`
 * writes it after loading that file with `keepCase`. Committed instead of parsing the .proto at cold start: the
 * Lambda then bundles protobufjs/light (no .proto parser). test/unit/exposition/protobuf.test.ts regenerates it
 * from the .proto and fails when they differ.
 */
export const METRICS_PROTO_DESCRIPTOR: INamespace = {
  nested: {
    io: {
      nested: {
        prometheus: {
          nested: {
            client: {
              options: {
                java_package: 'io.prometheus.client',
                go_package: 'github.com/prometheus/client_model/go;io_prometheus_client',
              },
              nested: {
                LabelPair: {
                  edition: 'proto2',
                  fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
                },
                MetricType: {
                  edition: 'proto2',
                  values: { COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4, GAUGE_HISTOGRAM: 5 },
                },
                Gauge: { edition: 'proto2', fields: { value: { type: 'double', id: 1 } } },
                Counter: {
                  edition: 'proto2',
                  fields: { value: { type: 'double', id: 1 }, exemplar: { type: 'Exemplar', id: 2 } },
                },
                Quantile: {
                  edition: 'proto2',
                  fields: { quantile: { type: 'double', id: 1 }, value: { type: 'double', id: 2 } },
                },
                Summary: {
                  edition: 'proto2',
                  fields: {
                    sample_count: { type: 'uint64', id: 1 },
                    sample_sum: { type: 'double', id: 2 },
                    quantile: { rule: 'repeated', type: 'Quantile', id: 3 },
                  },
                },
                Untyped: { edition: 'proto2', fields: { value: { type: 'double', id: 1 } } },
                Histogram: {
                  edition: 'proto2',
                  fields: {
                    sample_count: { type: 'uint64', id: 1 },
                    sample_count_float: { type: 'double', id: 4 },
                    sample_sum: { type: 'double', id: 2 },
                    bucket: { rule: 'repeated', type: 'Bucket', id: 3 },
                    schema: { type: 'sint32', id: 5 },
                    zero_threshold: { type: 'double', id: 6 },
                    zero_count: { type: 'uint64', id: 7 },
                    zero_count_float: { type: 'double', id: 8 },
                    negative_span: { rule: 'repeated', type: 'BucketSpan', id: 9 },
                    negative_delta: { rule: 'repeated', type: 'sint64', id: 10 },
                    negative_count: { rule: 'repeated', type: 'double', id: 11 },
                    positive_span: { rule: 'repeated', type: 'BucketSpan', id: 12 },
                    positive_delta: { rule: 'repeated', type: 'sint64', id: 13 },
                    positive_count: { rule: 'repeated', type: 'double', id: 14 },
                  },
                },
                Bucket: {
                  edition: 'proto2',
                  fields: {
                    cumulative_count: { type: 'uint64', id: 1 },
                    cumulative_count_float: { type: 'double', id: 4 },
                    upper_bound: { type: 'double', id: 2 },
                    exemplar: { type: 'Exemplar', id: 3 },
                  },
                },
                BucketSpan: {
                  edition: 'proto2',
                  fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } },
                },
                Exemplar: {
                  edition: 'proto2',
                  fields: {
                    label: { rule: 'repeated', type: 'LabelPair', id: 1 },
                    value: { type: 'double', id: 2 },
                    timestamp: { type: 'google.protobuf.Timestamp', id: 3 },
                  },
                },
                Metric: {
                  edition: 'proto2',
                  fields: {
                    label: { rule: 'repeated', type: 'LabelPair', id: 1 },
                    gauge: { type: 'Gauge', id: 2 },
                    counter: { type: 'Counter', id: 3 },
                    summary: { type: 'Summary', id: 4 },
                    untyped: { type: 'Untyped', id: 5 },
                    histogram: { type: 'Histogram', id: 7 },
                    timestamp_ms: { type: 'int64', id: 6 },
                  },
                },
                MetricFamily: {
                  edition: 'proto2',
                  fields: {
                    name: { type: 'string', id: 1 },
                    help: { type: 'string', id: 2 },
                    type: { type: 'MetricType', id: 3 },
                    metric: { rule: 'repeated', type: 'Metric', id: 4 },
                  },
                },
              },
            },
          },
        },
      },
    },
    google: {
      nested: {
        protobuf: {
          nested: { Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } } },
        },
      },
    },
  },
};
