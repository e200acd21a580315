import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { billing, investment } from "../api/clients";
import { AccountCard, minor } from "../components/invest/Account";
import { KycForm } from "../components/invest/Kyc";
import { ErrorBox, Query } from "../components/States";
import { RiskProfile, type InvestmentProduct } from "../gen/trading/broker/v1/investment_messages_pb";
import { enumLabel, money } from "../lib/format";

function TrackRecord({ p }: { p: InvestmentProduct }) {
  if (!p.trackRecordAccounts) return <>No track record yet.</>;
  const n = p.trackRecordAccounts;
  return (
    <>
      Track record {p.trackRecordReturnPercent}% (mean of {n} account{n === 1 ? "" : "s"})
    </>
  );
}

function Product({ p }: { p: InvestmentProduct }) {
  return (
    <li className="card" data-testid="investment-product">
      <h3>{p.name}</h3>
      <p>{p.description}</p>
      <p className="hint">
        {enumLabel(RiskProfile[p.riskProfile], "RISK_PROFILE_")} risk · {p.symbols.join(", ")} · {p.riskPerTradePercent}% per
        trade · stops at {p.maxDrawdownPercent}% drawdown · at most {p.maxOpenPositions} positions
      </p>
      <p className="hint">
        From {money(p.minimumInvestment)} · fees {p.managementFeePercent}% a year + {p.performanceFeePercent}% of profits
      </p>
      <p>
        <TrackRecord p={p} />
      </p>
    </li>
  );
}

function OpenAccount({ products }: { products: InvestmentProduct[] }) {
  const queries = useQueryClient();
  const [opened, setOpened] = useState("");
  const wallet = useQuery({ queryKey: ["billing", "wallet"], queryFn: () => billing.getWallet({}) });
  const open = useMutation({
    mutationFn: (f: FormData) => {
      const product = products.find((p) => p.productId === f.get("product"));
      const currency = product?.minimumInvestment?.currency || "USD";
      return investment.createInvestmentAccount({
        productId: String(f.get("product")),
        amount: { currency, minorUnits: minor(String(f.get("amount"))) },
        idempotencyKey: crypto.randomUUID(),
      });
    },
    onSuccess: (r) => {
      const name = products.find((p) => p.productId === r.account?.productId)?.name ?? "the";
      setOpened(`Opened your ${name} account with ${money(r.account?.initialBalance)} from your wallet.`);
      void queries.invalidateQueries({ queryKey: ["investment"] });
      void queries.invalidateQueries({ queryKey: ["billing", "wallet"] });
    },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setOpened("");
    open.mutate(new FormData(e.currentTarget));
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="open-title">
      <h2 id="open-title">Open an account</h2>
      <p className="hint">
        The first deposit comes from your wallet: <strong data-testid="invest-wallet">{money(wallet.data?.balance)}</strong>{" "}
        available.
      </p>
      <div className="row">
        <label>
          Product
          <select name="product" required>
            {products.map((p) => (
              <option key={p.productId} value={p.productId}>
                {p.name} (from {money(p.minimumInvestment)})
              </option>
            ))}
          </select>
        </label>
        <label>
          First deposit
          <input name="amount" inputMode="decimal" required pattern="[0-9]+(\.[0-9]{1,2})?" />
        </label>
        <button className="primary" type="submit" disabled={open.isPending}>
          Open account
        </button>
      </div>
      {opened && <p role="status">{opened}</p>}
      {open.error && <ErrorBox error={open.error} />}
    </form>
  );
}

export default function Investment() {
  const products = useQuery({ queryKey: ["investment", "products"], queryFn: () => investment.listInvestmentProducts({}) });
  const accounts = useQuery({ queryKey: ["investment", "accounts"], queryFn: () => investment.listInvestmentAccounts({}) });
  const names = new Map(products.data?.products.map((p) => [p.productId, p.name]) ?? []);
  return (
    <section>
      <h1>Invest</h1>
      <h2>Products</h2>
      <Query q={products} what="products" empty={(d) => (d.products.length ? null : "No products are offered yet.")}>
        {(d) => (
          <ul className="cards">
            {d.products.map((p) => (
              <Product key={p.productId} p={p} />
            ))}
          </ul>
        )}
      </Query>
      <KycForm verified={(accounts.data?.accounts.length ?? 0) > 0} />
      {products.data && products.data.products.length > 0 && <OpenAccount products={products.data.products} />}
      <h2>Your accounts</h2>
      <Query q={accounts} what="accounts" empty={(d) => (d.accounts.length ? null : "You have no investment account yet.")}>
        {(d) => (
          <ul className="cards">
            {d.accounts.map((a) => (
              <AccountCard key={a.accountId} account={a} productName={names.get(a.productId) ?? "Account"} />
            ))}
          </ul>
        )}
      </Query>
    </section>
  );
}
