// The trading assistant: the answer streams in piece by piece; tool calls are shown as they run.
// A paper trade it proposes (`execute_paper_trade` answers "awaiting_confirmation") is placed by the
// assistant itself, once, when the user's next message in the conversation is "confirm": the buttons
// here only send that message (or "cancel"), and the executed order comes back as the streamed result.
import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { agent } from "../api/clients";
import { ErrorBox } from "../components/States";
import type { ToolCall } from "../gen/trading/agent/v1/agent_messages_pb";
import { Markdown } from "../lib/markdown";

interface Turn {
  role: "user" | "assistant";
  text: string;
  tools: ToolCall[];
  deltas: number;
}

interface Proposal {
  proposal_id: string;
  symbol: string;
  side: string;
  amount: string | number;
}

interface Executed {
  order_id?: string;
  side?: string;
  symbol?: string;
  quantity?: string;
  fill_price?: string;
}

function output(call: ToolCall): Record<string, unknown> | null {
  if (call.name !== "execute_paper_trade" || !call.outputJson || call.isError) return null;
  try {
    return JSON.parse(call.outputJson) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function proposalOf(call: ToolCall): Proposal | null {
  const out = output(call);
  return out?.status === "awaiting_confirmation" ? (out.proposal as Proposal) : null;
}

function executedOf(call: ToolCall): Executed | null {
  const out = output(call);
  return out?.status === "executed" ? ((out.order ?? {}) as Executed) : null;
}

const plain = (enumName: string | undefined, prefix: string) => (enumName ?? "").replace(prefix, "").toLowerCase();

function ExecutedTrade({ order }: { order: Executed }) {
  return (
    <p role="status" className="executed">
      Paper trade executed: {plain(order.side, "ORDER_SIDE_")} {Number(order.quantity)} {order.symbol}
      {order.fill_price ? ` at ${order.fill_price}` : ""} (order {order.order_id})
    </p>
  );
}

function ConfirmTrade({ p, answer, busy }: { p: Proposal; answer: (text: string) => void; busy: boolean }) {
  return (
    <div className="confirm" role="group" aria-label="Confirm paper trade">
      <p>
        Place a paper {p.side} order for {p.amount} {p.symbol}?
      </p>
      <button className="primary" type="button" onClick={() => answer("confirm")} disabled={busy}>
        Confirm paper trade
      </button>
      <button type="button" onClick={() => answer("cancel")} disabled={busy}>
        Cancel
      </button>
    </div>
  );
}

export default function Assistant() {
  const queries = useQueryClient();
  const [turns, setTurns] = useState<Turn[]>([]);
  const [streaming, setStreaming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const conversation = useRef<string | undefined>(undefined);

  const ask = async (message: string) => {
    setError(null);
    setStreaming(true);
    setTurns((t) => [...t, { role: "user", text: message, tools: [], deltas: 0 }, { role: "assistant", text: "", tools: [], deltas: 0 }]);
    const patch = (f: (turn: Turn) => Turn) => setTurns((t) => [...t.slice(0, -1), f(t[t.length - 1])]);
    try {
      for await (const item of agent.chat({ message, conversationId: conversation.current })) {
        conversation.current ||= item.conversationId;
        const e = item.event;
        if (e.case === "textDelta") patch((turn) => ({ ...turn, text: turn.text + e.value, deltas: turn.deltas + 1 }));
        else if (e.case === "toolCall") patch((turn) => ({ ...turn, tools: [...turn.tools, e.value] }));
        else if (e.case === "toolResult") {
          patch((turn) => ({ ...turn, tools: turn.tools.map((c) => (c.id === e.value.id ? e.value : c)) }));
          if (executedOf(e.value)) void queries.invalidateQueries({ queryKey: ["paper"] });
        }
      }
    } catch (err) {
      setError(err);
      setTurns((t) => (t[t.length - 1]?.text ? t : t.slice(0, -1)));
    } finally {
      setStreaming(false);
    }
  };
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const input = e.currentTarget.elements.namedItem("message") as HTMLTextAreaElement;
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    void ask(text);
  };
  // Only the latest turn's proposal is still open: any later message answers (or drops) it.
  const last = turns.length - 1;
  return (
    <section className="assistant">
      <h1>Assistant</h1>
      <ol className="chat" aria-live="polite" aria-busy={streaming}>
        {turns.length === 0 && <li className="state empty">Ask about a symbol, a signal or your paper account.</li>}
        {turns.map((t, i) => (
          <li key={i} className={`turn ${t.role}`} data-deltas={t.deltas}>
            <span className="sr-only">{t.role === "user" ? "You" : "Assistant"}: </span>
            {t.role === "assistant" && t.text ? (
              <div className="md">
                <Markdown text={t.text} />
              </div>
            ) : (
              <p>{t.text || (streaming && i === last ? "…" : "")}</p>
            )}
            {t.tools.map((c) => {
              const p = proposalOf(c);
              const done = executedOf(c);
              return (
                <div key={c.id} className="tool" data-tool={c.name}>
                  <details>
                    <summary>
                      Tool: {c.name} {c.outputJson ? (c.isError ? "(failed)" : "(done)") : "(running)"}
                    </summary>
                    <pre>{c.inputJson}</pre>
                    {c.outputJson && <pre>{c.outputJson}</pre>}
                  </details>
                  {p && i === last && !streaming && <ConfirmTrade p={p} answer={(text) => void ask(text)} busy={streaming} />}
                  {done && <ExecutedTrade order={done} />}
                </div>
              );
            })}
          </li>
        ))}
      </ol>
      {error !== null && <ErrorBox error={error} />}
      <form className="ask" onSubmit={submit}>
        <label htmlFor="message" className="sr-only">
          Message
        </label>
        <textarea id="message" name="message" rows={2} maxLength={4000} placeholder="Ask the assistant…" />
        <button className="primary" type="submit" disabled={streaming}>
          Send
        </button>
      </form>
    </section>
  );
}
