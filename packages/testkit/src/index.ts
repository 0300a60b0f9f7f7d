export * from './fake-nvidia-smi.ts';
export * from './gpu-stand-in.ts';
export * from './ollama-stand-in.ts';
export * from './redis-harness.ts';
export * from './sample-documents.ts';
export * from './stand-in-context-length.ts';
export * from './webhook-receiver.ts';
