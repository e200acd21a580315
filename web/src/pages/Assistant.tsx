// The trading assistant: the answer streams in piece by piece; tool calls are shown as they run;
// a paper trade it proposes is placed only when the user confirms it here.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { agent, paper } from "../api/clients";
import { ErrorBox } from "../components/States";
import { AmountUnit, OrderSide, OrderType, TimeInForce } from "../gen/trading/broker/v1/broker_messages_pb";
import type { ToolCall } from "../gen/trading/agent/v1/agent_messages_pb";

interface Turn {
  role: "user" | "assistant";
  text: string;
  tools: ToolCall[];
}

interface Proposal {
  symbol: string;
  side: string;
  amount: string | number;
}

function proposal(call: ToolCall): Proposal | null {
  if (!/order|trade/i.test(call.name)) return null;
  try {
    const input = JSON.parse(call.inputJson) as Partial<Proposal>;
    if (input.symbol && input.side && input.amount) return input as Proposal;
  } catch {
    /* not JSON: shown as it is */
  }
  return null;
}

function ConfirmTrade({ p }: { p: Proposal }) {
  const queries = useQueryClient();
  const [dismissed, setDismissed] = useState(false);
  const place = useMutation({
    mutationFn: () =>
      paper.createOrder({
        symbol: p.symbol,
        side: /sell|short/i.test(p.side) ? OrderSide.SELL : OrderSide.BUY,
        amount: String(p.amount),
        amountUnit: AmountUnit.UNITS,
        type: OrderType.MARKET,
        timeInForce: TimeInForce.GTC,
        clientOrderId: crypto.randomUUID(),
      }),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["paper"] }),
  });
  if (dismissed) return <p className="hint">Trade not placed.</p>;
  if (place.data) return <p role="status">Paper order placed: {place.data.order?.orderId}</p>;
  return (
    <div className="confirm" role="group" aria-label="Confirm paper trade">
      <p>
        Place a paper {p.side} order for {p.amount} {p.symbol}?
      </p>
      <button className="primary" type="button" onClick={() => place.mutate()} disabled={place.isPending}>
        Place paper order
      </button>
      <button type="button" onClick={() => setDismissed(true)}>
        Don't trade
      </button>
      {place.error && <ErrorBox error={place.error} />}
    </div>
  );
}

export default function Assistant() {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [streaming, setStreaming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const conversation = useRef<string | undefined>(undefined);

  const ask = async (message: string) => {
    setError(null);
    setStreaming(true);
    setTurns((t) => [...t, { role: "user", text: message, tools: [] }, { role: "assistant", text: "", tools: [] }]);
    const patch = (f: (turn: Turn) => Turn) => setTurns((t) => [...t.slice(0, -1), f(t[t.length - 1])]);
    try {
      for await (const item of agent.chat({ message, conversationId: conversation.current })) {
        conversation.current ||= item.conversationId;
        const e = item.event;
        if (e.case === "textDelta") patch((turn) => ({ ...turn, text: turn.text + e.value }));
        else if (e.case === "toolCall") patch((turn) => ({ ...turn, tools: [...turn.tools, e.value] }));
        else if (e.case === "toolResult")
          patch((turn) => ({ ...turn, tools: turn.tools.map((c) => (c.id === e.value.id ? e.value : c)) }));
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
  return (
    <section className="assistant">
      <h1>Assistant</h1>
      <ol className="chat" aria-live="polite" aria-busy={streaming}>
        {turns.length === 0 && <li className="state empty">Ask about a symbol, a signal or your paper account.</li>}
        {turns.map((t, i) => (
          <li key={i} className={`turn ${t.role}`}>
            <span className="sr-only">{t.role === "user" ? "You" : "Assistant"}: </span>
            <p>{t.text || (streaming && i === turns.length - 1 ? "…" : "")}</p>
            {t.tools.map((c) => {
              const p = proposal(c);
              return (
                <div key={c.id} className="tool">
                  <details>
                    <summary>
                      Tool: {c.name} {c.outputJson ? (c.isError ? "(failed)" : "(done)") : "(running)"}
                    </summary>
                    <pre>{c.inputJson}</pre>
                    {c.outputJson && <pre>{c.outputJson}</pre>}
                  </details>
                  {p && <ConfirmTrade p={p} />}
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
