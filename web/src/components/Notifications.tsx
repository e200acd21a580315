// Toasts for events (trade executed, position closed, new signal): announced to screen readers.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export interface Note {
  id: number;
  kind: "trade" | "position" | "signal" | "info";
  text: string;
}

const Ctx = createContext<(kind: Note["kind"], text: string) => void>(() => undefined);
let nextId = 1;
const SHOWN_MS = 15_000;

export function NotificationsProvider({ children }: { children: ReactNode }) {
  const [notes, setNotes] = useState<Note[]>([]);
  const notify = useCallback((kind: Note["kind"], text: string) => {
    const note = { id: nextId++, kind, text };
    setNotes((n) => [note, ...n].slice(0, 5));
    setTimeout(() => setNotes((n) => n.filter((x) => x.id !== note.id)), SHOWN_MS);
  }, []);
  const dismiss = (id: number) => setNotes((n) => n.filter((x) => x.id !== id));
  const value = useMemo(() => notify, [notify]);
  return (
    <Ctx.Provider value={value}>
      {children}
      <section className="toasts" aria-label="Notifications" aria-live="polite">
        {notes.map((n) => (
          <div key={n.id} className={`toast toast-${n.kind}`} data-kind={n.kind}>
            <span>{n.text}</span>
            <button type="button" aria-label="Dismiss notification" onClick={() => dismiss(n.id)}>
              ×
            </button>
          </div>
        ))}
      </section>
    </Ctx.Provider>
  );
}

export const useNotify = () => useContext(Ctx);
