import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trading.common.v1 import money_pb2 as _money_pb2
from trading.common.v1 import paging_pb2 as _paging_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlanTier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_TIER_UNSPECIFIED: _ClassVar[PlanTier]
    PLAN_TIER_FREE: _ClassVar[PlanTier]
    PLAN_TIER_BASIC: _ClassVar[PlanTier]
    PLAN_TIER_PRO: _ClassVar[PlanTier]
    PLAN_TIER_PREMIUM: _ClassVar[PlanTier]

class BillingInterval(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_INTERVAL_UNSPECIFIED: _ClassVar[BillingInterval]
    BILLING_INTERVAL_MONTH: _ClassVar[BillingInterval]
    BILLING_INTERVAL_YEAR: _ClassVar[BillingInterval]

class QuotaPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUOTA_PERIOD_UNSPECIFIED: _ClassVar[QuotaPeriod]
    QUOTA_PERIOD_MINUTE: _ClassVar[QuotaPeriod]
    QUOTA_PERIOD_DAY: _ClassVar[QuotaPeriod]

class SubscriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIPTION_STATUS_UNSPECIFIED: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_INCOMPLETE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_ACTIVE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_PAST_DUE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_CANCELED: _ClassVar[SubscriptionStatus]

class WalletTransactionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WALLET_TRANSACTION_TYPE_UNSPECIFIED: _ClassVar[WalletTransactionType]
    WALLET_TRANSACTION_TYPE_DEPOSIT: _ClassVar[WalletTransactionType]
    WALLET_TRANSACTION_TYPE_WITHDRAWAL: _ClassVar[WalletTransactionType]
    WALLET_TRANSACTION_TYPE_INVESTMENT_DEPOSIT: _ClassVar[WalletTransactionType]
    WALLET_TRANSACTION_TYPE_INVESTMENT_WITHDRAWAL: _ClassVar[WalletTransactionType]
    WALLET_TRANSACTION_TYPE_REFUND: _ClassVar[WalletTransactionType]
    WALLET_TRANSACTION_TYPE_ADJUSTMENT: _ClassVar[WalletTransactionType]

class WalletTransactionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WALLET_TRANSACTION_STATUS_UNSPECIFIED: _ClassVar[WalletTransactionStatus]
    WALLET_TRANSACTION_STATUS_PENDING: _ClassVar[WalletTransactionStatus]
    WALLET_TRANSACTION_STATUS_COMPLETED: _ClassVar[WalletTransactionStatus]
    WALLET_TRANSACTION_STATUS_FAILED: _ClassVar[WalletTransactionStatus]
    WALLET_TRANSACTION_STATUS_REVERSED: _ClassVar[WalletTransactionStatus]

class DepositMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEPOSIT_METHOD_UNSPECIFIED: _ClassVar[DepositMethod]
    DEPOSIT_METHOD_CARD: _ClassVar[DepositMethod]
    DEPOSIT_METHOD_BANK_TRANSFER: _ClassVar[DepositMethod]

class PaymentIntentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_INTENT_STATUS_UNSPECIFIED: _ClassVar[PaymentIntentStatus]
    PAYMENT_INTENT_STATUS_REQUIRES_PAYMENT_METHOD: _ClassVar[PaymentIntentStatus]
    PAYMENT_INTENT_STATUS_REQUIRES_ACTION: _ClassVar[PaymentIntentStatus]
    PAYMENT_INTENT_STATUS_PROCESSING: _ClassVar[PaymentIntentStatus]
    PAYMENT_INTENT_STATUS_SUCCEEDED: _ClassVar[PaymentIntentStatus]
    PAYMENT_INTENT_STATUS_CANCELED: _ClassVar[PaymentIntentStatus]

class StripeEventOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STRIPE_EVENT_OUTCOME_UNSPECIFIED: _ClassVar[StripeEventOutcome]
    STRIPE_EVENT_OUTCOME_APPLIED: _ClassVar[StripeEventOutcome]
    STRIPE_EVENT_OUTCOME_DUPLICATE: _ClassVar[StripeEventOutcome]
    STRIPE_EVENT_OUTCOME_IGNORED: _ClassVar[StripeEventOutcome]
PLAN_TIER_UNSPECIFIED: PlanTier
PLAN_TIER_FREE: PlanTier
PLAN_TIER_BASIC: PlanTier
PLAN_TIER_PRO: PlanTier
PLAN_TIER_PREMIUM: PlanTier
BILLING_INTERVAL_UNSPECIFIED: BillingInterval
BILLING_INTERVAL_MONTH: BillingInterval
BILLING_INTERVAL_YEAR: BillingInterval
QUOTA_PERIOD_UNSPECIFIED: QuotaPeriod
QUOTA_PERIOD_MINUTE: QuotaPeriod
QUOTA_PERIOD_DAY: QuotaPeriod
SUBSCRIPTION_STATUS_UNSPECIFIED: SubscriptionStatus
SUBSCRIPTION_STATUS_INCOMPLETE: SubscriptionStatus
SUBSCRIPTION_STATUS_ACTIVE: SubscriptionStatus
SUBSCRIPTION_STATUS_PAST_DUE: SubscriptionStatus
SUBSCRIPTION_STATUS_CANCELED: SubscriptionStatus
WALLET_TRANSACTION_TYPE_UNSPECIFIED: WalletTransactionType
WALLET_TRANSACTION_TYPE_DEPOSIT: WalletTransactionType
WALLET_TRANSACTION_TYPE_WITHDRAWAL: WalletTransactionType
WALLET_TRANSACTION_TYPE_INVESTMENT_DEPOSIT: WalletTransactionType
WALLET_TRANSACTION_TYPE_INVESTMENT_WITHDRAWAL: WalletTransactionType
WALLET_TRANSACTION_TYPE_REFUND: WalletTransactionType
WALLET_TRANSACTION_TYPE_ADJUSTMENT: WalletTransactionType
WALLET_TRANSACTION_STATUS_UNSPECIFIED: WalletTransactionStatus
WALLET_TRANSACTION_STATUS_PENDING: WalletTransactionStatus
WALLET_TRANSACTION_STATUS_COMPLETED: WalletTransactionStatus
WALLET_TRANSACTION_STATUS_FAILED: WalletTransactionStatus
WALLET_TRANSACTION_STATUS_REVERSED: WalletTransactionStatus
DEPOSIT_METHOD_UNSPECIFIED: DepositMethod
DEPOSIT_METHOD_CARD: DepositMethod
DEPOSIT_METHOD_BANK_TRANSFER: DepositMethod
PAYMENT_INTENT_STATUS_UNSPECIFIED: PaymentIntentStatus
PAYMENT_INTENT_STATUS_REQUIRES_PAYMENT_METHOD: PaymentIntentStatus
PAYMENT_INTENT_STATUS_REQUIRES_ACTION: PaymentIntentStatus
PAYMENT_INTENT_STATUS_PROCESSING: PaymentIntentStatus
PAYMENT_INTENT_STATUS_SUCCEEDED: PaymentIntentStatus
PAYMENT_INTENT_STATUS_CANCELED: PaymentIntentStatus
STRIPE_EVENT_OUTCOME_UNSPECIFIED: StripeEventOutcome
STRIPE_EVENT_OUTCOME_APPLIED: StripeEventOutcome
STRIPE_EVENT_OUTCOME_DUPLICATE: StripeEventOutcome
STRIPE_EVENT_OUTCOME_IGNORED: StripeEventOutcome

class Plan(_message.Message):
    __slots__ = ("id", "tier", "name", "description", "price", "interval", "features", "quotas")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    QUOTAS_FIELD_NUMBER: _ClassVar[int]
    id: str
    tier: PlanTier
    name: str
    description: str
    price: _money_pb2.Money
    interval: BillingInterval
    features: _containers.RepeatedScalarFieldContainer[str]
    quotas: _containers.RepeatedCompositeFieldContainer[PlanQuota]
    def __init__(self, id: _Optional[str] = ..., tier: _Optional[_Union[PlanTier, str]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., interval: _Optional[_Union[BillingInterval, str]] = ..., features: _Optional[_Iterable[str]] = ..., quotas: _Optional[_Iterable[_Union[PlanQuota, _Mapping]]] = ...) -> None: ...

class PlanQuota(_message.Message):
    __slots__ = ("name", "limit", "period", "unlimited")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    UNLIMITED_FIELD_NUMBER: _ClassVar[int]
    name: str
    limit: int
    period: QuotaPeriod
    unlimited: bool
    def __init__(self, name: _Optional[str] = ..., limit: _Optional[int] = ..., period: _Optional[_Union[QuotaPeriod, str]] = ..., unlimited: _Optional[bool] = ...) -> None: ...

class Subscription(_message.Message):
    __slots__ = ("id", "plan_id", "tier", "status", "current_period_start", "current_period_end", "cancel_at_period_end", "canceled_at", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCELED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    plan_id: str
    tier: PlanTier
    status: SubscriptionStatus
    current_period_start: _timestamp_pb2.Timestamp
    current_period_end: _timestamp_pb2.Timestamp
    cancel_at_period_end: bool
    canceled_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., plan_id: _Optional[str] = ..., tier: _Optional[_Union[PlanTier, str]] = ..., status: _Optional[_Union[SubscriptionStatus, str]] = ..., current_period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current_period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_at_period_end: _Optional[bool] = ..., canceled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WalletTransaction(_message.Message):
    __slots__ = ("id", "type", "status", "amount", "balance_after", "reference", "description", "created_at", "completed_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: WalletTransactionType
    status: WalletTransactionStatus
    amount: _money_pb2.Money
    balance_after: _money_pb2.Money
    reference: str
    description: str
    created_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[WalletTransactionType, str]] = ..., status: _Optional[_Union[WalletTransactionStatus, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., balance_after: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reference: _Optional[str] = ..., description: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PaymentIntent(_message.Message):
    __slots__ = ("id", "client_secret", "status", "amount", "transaction_id", "redirect_url")
    ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URL_FIELD_NUMBER: _ClassVar[int]
    id: str
    client_secret: str
    status: PaymentIntentStatus
    amount: _money_pb2.Money
    transaction_id: str
    redirect_url: str
    def __init__(self, id: _Optional[str] = ..., client_secret: _Optional[str] = ..., status: _Optional[_Union[PaymentIntentStatus, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., transaction_id: _Optional[str] = ..., redirect_url: _Optional[str] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plans",)
    PLANS_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[Plan]
    def __init__(self, plans: _Optional[_Iterable[_Union[Plan, _Mapping]]] = ...) -> None: ...

class CreateCheckoutSessionRequest(_message.Message):
    __slots__ = ("plan_id", "promo_code", "idempotency_key")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PROMO_CODE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    promo_code: str
    idempotency_key: str
    def __init__(self, plan_id: _Optional[str] = ..., promo_code: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateCheckoutSessionResponse(_message.Message):
    __slots__ = ("checkout_url", "session_id", "expires_at")
    CHECKOUT_URL_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    checkout_url: str
    session_id: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, checkout_url: _Optional[str] = ..., session_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetSubscriptionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSubscriptionResponse(_message.Message):
    __slots__ = ("tier", "subscription")
    TIER_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    tier: PlanTier
    subscription: Subscription
    def __init__(self, tier: _Optional[_Union[PlanTier, str]] = ..., subscription: _Optional[_Union[Subscription, _Mapping]] = ...) -> None: ...

class CancelSubscriptionRequest(_message.Message):
    __slots__ = ("immediately",)
    IMMEDIATELY_FIELD_NUMBER: _ClassVar[int]
    immediately: bool
    def __init__(self, immediately: _Optional[bool] = ...) -> None: ...

class CancelSubscriptionResponse(_message.Message):
    __slots__ = ("canceled", "subscription")
    CANCELED_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    canceled: bool
    subscription: Subscription
    def __init__(self, canceled: _Optional[bool] = ..., subscription: _Optional[_Union[Subscription, _Mapping]] = ...) -> None: ...

class GetWalletRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _paging_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class GetWalletResponse(_message.Message):
    __slots__ = ("balance", "pending_deposits", "transactions", "page")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    PENDING_DEPOSITS_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    balance: _money_pb2.Money
    pending_deposits: _money_pb2.Money
    transactions: _containers.RepeatedCompositeFieldContainer[WalletTransaction]
    page: _paging_pb2.PageResponse
    def __init__(self, balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., pending_deposits: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., transactions: _Optional[_Iterable[_Union[WalletTransaction, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class CreateWalletDepositRequest(_message.Message):
    __slots__ = ("amount", "method", "idempotency_key")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    amount: _money_pb2.Money
    method: DepositMethod
    idempotency_key: str
    def __init__(self, amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., method: _Optional[_Union[DepositMethod, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateWalletDepositResponse(_message.Message):
    __slots__ = ("payment_intent",)
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    payment_intent: PaymentIntent
    def __init__(self, payment_intent: _Optional[_Union[PaymentIntent, _Mapping]] = ...) -> None: ...

class ProcessStripeEventRequest(_message.Message):
    __slots__ = ("event_id", "event_type", "payload", "created_at", "livemode")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LIVEMODE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    event_type: str
    payload: bytes
    created_at: _timestamp_pb2.Timestamp
    livemode: bool
    def __init__(self, event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., payload: _Optional[bytes] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., livemode: _Optional[bool] = ...) -> None: ...

class ProcessStripeEventResponse(_message.Message):
    __slots__ = ("outcome",)
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    outcome: StripeEventOutcome
    def __init__(self, outcome: _Optional[_Union[StripeEventOutcome, str]] = ...) -> None: ...

class GetUserPlanRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetUserPlanResponse(_message.Message):
    __slots__ = ("tier", "plan", "valid_until")
    TIER_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    tier: PlanTier
    plan: str
    valid_until: _timestamp_pb2.Timestamp
    def __init__(self, tier: _Optional[_Union[PlanTier, str]] = ..., plan: _Optional[str] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TransferWalletFundsRequest(_message.Message):
    __slots__ = ("user_id", "type", "amount", "reference", "idempotency_key")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    type: WalletTransactionType
    amount: _money_pb2.Money
    reference: str
    idempotency_key: str
    def __init__(self, user_id: _Optional[str] = ..., type: _Optional[_Union[WalletTransactionType, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reference: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class TransferWalletFundsResponse(_message.Message):
    __slots__ = ("transaction", "balance")
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    transaction: WalletTransaction
    balance: _money_pb2.Money
    def __init__(self, transaction: _Optional[_Union[WalletTransaction, _Mapping]] = ..., balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...
