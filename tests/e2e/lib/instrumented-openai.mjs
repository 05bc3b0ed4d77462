// Loads the official `openai` client instrumented by one of the two instrumentations under test.
// Only one may patch the client per process, so each test file (node --test runs each file in its
// own process) uses one of them.
//
// Neither instrumentation can hook an ESM `import` without a loader (--import / --loader), so:
// - @opentelemetry/instrumentation-openai registers a require hook when enabled; loading `openai`
//   through createRequire afterwards gets the patched CommonJS build.
// - @arizeai/openinference-instrumentation-openai has manuallyInstrument(module) for exactly this.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function assertPatched(OpenAI, by) {
  const create = OpenAI?.Chat?.Completions?.prototype?.create;
  // shimmer (used by InstrumentationBase._wrap) marks wrapped functions with __wrapped.
  if (!create || !create.__wrapped) {
    throw new Error(`${by} did not patch OpenAI.Chat.Completions.prototype.create`);
  }
}

// The client is patched once per process; later calls only point the instrumentation at the new
// providers (each test has its own server, so its own exporters).
let otel = null;
let openInference = null;

// Returns the OpenAI class, patched by @opentelemetry/instrumentation-openai with message content
// capture on (spans carry metadata; the content goes out as log records through loggerProvider).
// captureMessageContent is the option behind OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT.
export async function openAIWithOtelInstrumentation({ tracerProvider, loggerProvider }) {
  if (openInference) throw new Error('OpenInference already patched openai in this process');
  if (!otel) {
    const { OpenAIInstrumentation } = await import('@opentelemetry/instrumentation-openai');
    // The environment variable overrides the option when set, so set both.
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
    instrumentation.enable(); // (already on after construction; harmless) registers the require hook
    const { OpenAI } = require('openai');
    assertPatched(OpenAI, '@opentelemetry/instrumentation-openai');
    otel = { OpenAI, instrumentation };
  }
  otel.instrumentation.setTracerProvider(tracerProvider);
  otel.instrumentation.setLoggerProvider(loggerProvider);
  return otel;
}

// Returns the OpenAI class, patched by OpenInference (content goes on the span as attributes).
export async function openAIWithOpenInference({ tracerProvider }) {
  if (otel) throw new Error('@opentelemetry/instrumentation-openai already patched openai in this process');
  if (!openInference) {
    const { OpenAIInstrumentation } = await import('@arizeai/openinference-instrumentation-openai');
    const instrumentation = new OpenAIInstrumentation();
    const openaiModule = require('openai');
    // A no-op if its own require hook already patched the module above.
    instrumentation.manuallyInstrument(openaiModule);
    assertPatched(openaiModule.OpenAI, '@arizeai/openinference-instrumentation-openai');
    openInference = { OpenAI: openaiModule.OpenAI, instrumentation };
  }
  openInference.instrumentation.setTracerProvider(tracerProvider);
  return openInference;
}
