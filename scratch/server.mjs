import { createServer } from 'node:http';
const answer = JSON.stringify({ model: 'qwen3:32b', created_at: new Date().toISOString(), message: { role: 'assistant', content: 'The night shift drained the queue without incident.' }, done: true, done_reason: 'stop', total_duration: 1000, load_duration: 0, prompt_eval_count: 72, prompt_eval_duration: 0, eval_count: 8, eval_duration: 1000 });
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) };
const server = createServer((req, res) => { req.resume(); req.once('end', () => res.writeHead(200, headers).end(answer)); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
