import { lazy, Suspense, useEffect, useRef, useState, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { getSession, lastEndReason, onSession, type EndReason, type Session } from "./auth/session";
import { Layout } from "./components/Layout";
import { NotificationsProvider } from "./components/Notifications";
import { Loading } from "./components/States";
import { Register, SignIn } from "./pages/Auth";

const Trading = lazy(() => import("./pages/Trading"));
const Signals = lazy(() => import("./pages/Signals"));
const Education = lazy(() => import("./pages/Education"));
const Billing = lazy(() => import("./pages/Billing"));
const Investment = lazy(() => import("./pages/Investment"));
const Assistant = lazy(() => import("./pages/Assistant"));
const Account = lazy(() => import("./pages/Account"));
const OAuthCallback = lazy(() => import("./pages/OAuthCallback"));
const ForgotPassword = lazy(() => import("./pages/PasswordReset").then((m) => ({ default: m.ForgotPassword })));
const VerifyEmail = lazy(() => import("./pages/VerifyEmail"));
const ResetPassword = lazy(() => import("./pages/PasswordReset").then((m) => ({ default: m.ResetPassword })));

function useSession(): [Session | null, EndReason | undefined] {
  const [state, setState] = useState<[Session | null, EndReason | undefined]>([getSession(), undefined]);
  useEffect(() => {
    setState([getSession(), lastEndReason()]); // a refresh may have ended it before this subscribed
    return onSession((s, reason) => setState([s, reason]));
  }, []);
  return state;
}

function Private({ session, ended, children }: { session: Session | null; ended?: EndReason; children: ReactNode }) {
  const location = useLocation();
  if (!session) {
    const expired = ended === "expired" ? "?expired=1" : "";
    return <Navigate to={`/signin${expired}`} replace state={{ from: location.pathname }} />;
  }
  return <>{children}</>;
}

export function App() {
  const [session, ended] = useSession();
  const navigate = useNavigate();
  // Only the moment of signing out goes to /signin: the public pages stay reachable afterwards.
  const signedOut = !session && ended === "signed-out";
  const wasSignedIn = useRef(session !== null);
  useEffect(() => {
    if (signedOut && wasSignedIn.current) navigate("/signin");
    wasSignedIn.current = !signedOut && session !== null;
  }, [signedOut, session, navigate]);
  const page = (node: ReactNode) => (
    <Private session={session} ended={ended}>
      <Suspense fallback={<Loading what="the page" />}>{node}</Suspense>
    </Private>
  );
  return (
    <NotificationsProvider>
      <Layout session={session}>
        <Routes>
          <Route path="/" element={<Navigate to={session ? "/trading" : "/signin"} replace />} />
          <Route path="/signin" element={<SignIn />} />
          <Route path="/register" element={<Register />} />
          <Route path="/forgot-password" element={<Suspense fallback={<Loading what="the page" />}><ForgotPassword /></Suspense>} />
          <Route path="/reset-password" element={<Suspense fallback={<Loading what="the page" />}><ResetPassword /></Suspense>} />
          <Route path="/verify-email" element={<Suspense fallback={<Loading what="the page" />}><VerifyEmail /></Suspense>} />
          <Route
            path="/oauth/callback/:provider"
            element={
              <Suspense fallback={<Loading what="sign-in" />}>
                <OAuthCallback />
              </Suspense>
            }
          />
          <Route path="/trading" element={page(<Trading />)} />
          <Route path="/trading/:symbol" element={page(<Trading />)} />
          <Route path="/signals" element={page(<Signals />)} />
          <Route path="/learn/*" element={page(<Education />)} />
          <Route path="/invest" element={page(<Investment />)} />
          <Route path="/billing/*" element={page(<Billing />)} />
          <Route path="/assistant" element={page(<Assistant />)} />
          <Route path="/account" element={page(<Account />)} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Layout>
    </NotificationsProvider>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <a href="/">Go to the start page</a>.
      </p>
    </section>
  );
}
