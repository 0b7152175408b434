#!/usr/bin/env -S deno run --quiet --no-prompt
// A Deno hook: reads the event from stdin and prints one audit line.
const text = await new Response(Deno.stdin.readable).text();
const event = JSON.parse(text) as { action: string; stage: string; data: { uuid: string } };
console.log(`audit: ${event.action} ${event.stage} for ${event.data.uuid}`);
