// The official OpenAI SDK against Switchboard's OpenAI-compatible API (bin/switchboard dev serves it on :8080).
// The API key is a bearer token from Switchboard's OAuth2 issuer:
//   SWITCHBOARD_TOKEN=$(bin/switchboard token) node chat.mjs
import OpenAI from "openai";

const baseURL = process.env.SWITCHBOARD_URL ?? "http://localhost:8080/v1";
const apiKey = process.env.SWITCHBOARD_TOKEN;
if (!apiKey) {
  console.error("Set SWITCHBOARD_TOKEN to a token: SWITCHBOARD_TOKEN=$(bin/switchboard token) node chat.mjs");
  process.exit(2);
}
const client = new OpenAI({ baseURL, apiKey });
const prompt = process.argv[2] ?? "What is 6*7?";

// A plain completion: the planner chooses the provider ("auto").
const reply = await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: prompt }] });
console.log(`completion: ${reply.choices[0].message.content} (${reply.switchboard.provider}, ${reply.usage.total_tokens} tokens)`);

// The same as a stream of server-sent events.
const stream = await client.chat.completions.create({ model: "auto", stream: true, messages: [{ role: "user", content: prompt }] });
let streamed = "";
for await (const chunk of stream) {
  streamed += chunk.choices[0]?.delta?.content ?? "";
}
console.log(`stream:     ${streamed}`);

// Asynchronously: 202 with the request id at once, the answer fetched later by id.
const { data, response } = await client.chat.completions
  .create({ model: "auto", messages: [{ role: "user", content: prompt }] }, { headers: { Prefer: "respond-async" } })
  .withResponse();
const id = response.headers.get("x-switchboard-request-id");
let status = data;
while (status.status === "pending") {
  await new Promise((resolve) => setTimeout(resolve, 100));
  status = await client.get(`/requests/${id}`);
}
console.log(`async:      ${status.completion.choices[0].message.content} (request ${id}, ${status.status})`);
