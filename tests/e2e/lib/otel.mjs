// OpenTelemetry SDK wiring shared by the tests: tracer and logger providers that export over
// OTLP/HTTP to a given base URL with an API key, and remember every export result so a test can
// say "the exporter got 404" rather than "the trace never arrived".

import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

// Instrumentations find their parent span through the active context, which needs a context
// manager. Set once per process, without making any provider the global one.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

// Wraps an exporter (span or log record: both have export(items, callback)) and keeps the results.
class RecordingExporter {
  constructor(inner, what) {
    this.inner = inner;
    this.what = what;
    this.results = [];
  }

  export(items, done) {
    this.inner.export(items, (result) => {
      this.results.push({ count: items.length, code: result.code, error: result.error });
      done(result);
    });
  }

  forceFlush() {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }

  shutdown() {
    return this.inner.shutdown();
  }

  // Throws unless every export so far succeeded (ExportResultCode.SUCCESS is 0) and at least one
  // happened.
  assertAllSucceeded() {
    if (this.results.length === 0) throw new Error(`${this.what}: nothing was exported`);
    const failed = this.results.filter((r) => r.code !== 0);
    if (failed.length > 0) {
      const why = failed
        .map((r) => `${r.count} item(s): ${r.error?.message ?? r.error}` +
          (r.error?.code ? ` (HTTP ${r.error.code}${r.error.data ? `: ${r.error.data}` : ''})` : ''))
        .join('; ');
      throw new Error(`${this.what}: ${failed.length} export(s) failed: ${why}`);
    }
  }
}

// Flushes a tracer or logger provider, then fails with the server's answer if any export failed.
// (forceFlush rejects with a bare array of errors; the recorded results say more.)
export async function flushAndCheck(provider, exporter) {
  let flushError = null;
  try {
    await provider.forceFlush();
  } catch (e) {
    flushError = e;
  }
  exporter.assertAllSucceeded();
  if (flushError) {
    const errors = Array.isArray(flushError) ? flushError : [flushError];
    throw new Error(`forceFlush failed: ${errors.map((e) => e?.message ?? String(e)).join('; ')}`);
  }
}

export function traceExporter({ baseUrl, key, protocol = 'json', compression = 'none' }) {
  const options = {
    url: `${baseUrl}/v1/traces`,
    headers: { Authorization: `Bearer ${key}` },
    compression,
    timeoutMillis: 10_000,
  };
  const inner = protocol === 'proto'
    ? new OTLPProtoTraceExporter(options)
    : new OTLPJsonTraceExporter(options);
  return new RecordingExporter(inner, `OTLP ${protocol} trace exporter`);
}

export function logExporter({ baseUrl, key }) {
  const inner = new OTLPLogExporter({
    url: `${baseUrl}/v1/logs`,
    headers: { Authorization: `Bearer ${key}` },
    timeoutMillis: 10_000,
  });
  return new RecordingExporter(inner, 'OTLP JSON log exporter');
}

// What a real application sends: the SDK's own attributes (telemetry.sdk.*) plus the service.
function resource(serviceName, extra = {}) {
  return defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, ...extra }));
}

// A tracer provider exporting each ended span at once (SimpleSpanProcessor), so forceFlush() after
// the work is done means "every span has been answered by the server".
export function tracerProvider({ serviceName, resourceAttributes = {}, exporter }) {
  return new NodeTracerProvider({
    resource: resource(serviceName, resourceAttributes),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}

export function loggerProvider({ serviceName, exporter }) {
  return new LoggerProvider({
    resource: resource(serviceName),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
}
