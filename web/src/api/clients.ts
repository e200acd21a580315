// One client per service, generated from proto/ (buf generate with protoc-gen-es).
import { createClient } from "@connectrpc/connect";
import { AgentService } from "../gen/trading/agent/v1/agent_service_pb";
import { AuthService } from "../gen/trading/auth/v1/auth_service_pb";
import { BillingService } from "../gen/trading/billing/v1/billing_service_pb";
import { PaperTradingService } from "../gen/trading/broker/v1/broker_service_pb";
import { InvestmentService } from "../gen/trading/broker/v1/investment_service_pb";
import { EducationService } from "../gen/trading/education/v1/education_service_pb";
import { InferenceService } from "../gen/trading/inference/v1/inference_service_pb";
import { MarketService } from "../gen/trading/market/v1/market_service_pb";
import { bareTransport, transport } from "./transport";

export const publicAuth = createClient(AuthService, bareTransport);
export const auth = createClient(AuthService, transport);
export const market = createClient(MarketService, transport);
export const paper = createClient(PaperTradingService, transport);
export const inference = createClient(InferenceService, transport);
export const education = createClient(EducationService, transport);
export const billing = createClient(BillingService, transport);
export const investment = createClient(InvestmentService, transport);
export const agent = createClient(AgentService, transport);
