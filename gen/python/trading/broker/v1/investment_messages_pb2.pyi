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

class RiskProfile(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_PROFILE_UNSPECIFIED: _ClassVar[RiskProfile]
    RISK_PROFILE_CONSERVATIVE: _ClassVar[RiskProfile]
    RISK_PROFILE_MODERATE: _ClassVar[RiskProfile]
    RISK_PROFILE_AGGRESSIVE: _ClassVar[RiskProfile]

class InvestmentAccountStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVESTMENT_ACCOUNT_STATUS_UNSPECIFIED: _ClassVar[InvestmentAccountStatus]
    INVESTMENT_ACCOUNT_STATUS_PENDING_DEPOSIT: _ClassVar[InvestmentAccountStatus]
    INVESTMENT_ACCOUNT_STATUS_ACTIVE: _ClassVar[InvestmentAccountStatus]
    INVESTMENT_ACCOUNT_STATUS_PAUSED: _ClassVar[InvestmentAccountStatus]
    INVESTMENT_ACCOUNT_STATUS_CLOSED: _ClassVar[InvestmentAccountStatus]

class TransferStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSFER_STATUS_UNSPECIFIED: _ClassVar[TransferStatus]
    TRANSFER_STATUS_PENDING: _ClassVar[TransferStatus]
    TRANSFER_STATUS_COMPLETED: _ClassVar[TransferStatus]
    TRANSFER_STATUS_FAILED: _ClassVar[TransferStatus]

class KycStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KYC_STATUS_UNSPECIFIED: _ClassVar[KycStatus]
    KYC_STATUS_NONE: _ClassVar[KycStatus]
    KYC_STATUS_PENDING: _ClassVar[KycStatus]
    KYC_STATUS_APPROVED: _ClassVar[KycStatus]
    KYC_STATUS_REJECTED: _ClassVar[KycStatus]
RISK_PROFILE_UNSPECIFIED: RiskProfile
RISK_PROFILE_CONSERVATIVE: RiskProfile
RISK_PROFILE_MODERATE: RiskProfile
RISK_PROFILE_AGGRESSIVE: RiskProfile
INVESTMENT_ACCOUNT_STATUS_UNSPECIFIED: InvestmentAccountStatus
INVESTMENT_ACCOUNT_STATUS_PENDING_DEPOSIT: InvestmentAccountStatus
INVESTMENT_ACCOUNT_STATUS_ACTIVE: InvestmentAccountStatus
INVESTMENT_ACCOUNT_STATUS_PAUSED: InvestmentAccountStatus
INVESTMENT_ACCOUNT_STATUS_CLOSED: InvestmentAccountStatus
TRANSFER_STATUS_UNSPECIFIED: TransferStatus
TRANSFER_STATUS_PENDING: TransferStatus
TRANSFER_STATUS_COMPLETED: TransferStatus
TRANSFER_STATUS_FAILED: TransferStatus
KYC_STATUS_UNSPECIFIED: KycStatus
KYC_STATUS_NONE: KycStatus
KYC_STATUS_PENDING: KycStatus
KYC_STATUS_APPROVED: KycStatus
KYC_STATUS_REJECTED: KycStatus

class InvestmentProduct(_message.Message):
    __slots__ = ("product_id", "name", "description", "risk_profile", "minimum_investment", "management_fee_percent", "performance_fee_percent", "symbols", "risk_per_trade_percent", "max_drawdown_percent", "max_open_positions", "track_record_return_percent", "track_record_accounts")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RISK_PROFILE_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_INVESTMENT_FIELD_NUMBER: _ClassVar[int]
    MANAGEMENT_FEE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_FEE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    RISK_PER_TRADE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MAX_DRAWDOWN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MAX_OPEN_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    TRACK_RECORD_RETURN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    TRACK_RECORD_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    name: str
    description: str
    risk_profile: RiskProfile
    minimum_investment: _money_pb2.Money
    management_fee_percent: str
    performance_fee_percent: str
    symbols: _containers.RepeatedScalarFieldContainer[str]
    risk_per_trade_percent: str
    max_drawdown_percent: str
    max_open_positions: int
    track_record_return_percent: str
    track_record_accounts: int
    def __init__(self, product_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., risk_profile: _Optional[_Union[RiskProfile, str]] = ..., minimum_investment: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., management_fee_percent: _Optional[str] = ..., performance_fee_percent: _Optional[str] = ..., symbols: _Optional[_Iterable[str]] = ..., risk_per_trade_percent: _Optional[str] = ..., max_drawdown_percent: _Optional[str] = ..., max_open_positions: _Optional[int] = ..., track_record_return_percent: _Optional[str] = ..., track_record_accounts: _Optional[int] = ...) -> None: ...

class InvestmentAccount(_message.Message):
    __slots__ = ("account_id", "product_id", "status", "initial_balance", "balance", "equity", "create_time")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INITIAL_BALANCE_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    EQUITY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    product_id: str
    status: InvestmentAccountStatus
    initial_balance: _money_pb2.Money
    balance: _money_pb2.Money
    equity: _money_pb2.Money
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., product_id: _Optional[str] = ..., status: _Optional[_Union[InvestmentAccountStatus, str]] = ..., initial_balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., equity: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class InvestmentTransfer(_message.Message):
    __slots__ = ("transfer_id", "account_id", "amount", "status", "create_time")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    account_id: str
    amount: _money_pb2.Money
    status: TransferStatus
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, transfer_id: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., status: _Optional[_Union[TransferStatus, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PerformanceSnapshot(_message.Message):
    __slots__ = ("snapshot_time", "balance", "equity", "return_percent", "drawdown_percent")
    SNAPSHOT_TIME_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    EQUITY_FIELD_NUMBER: _ClassVar[int]
    RETURN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    DRAWDOWN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    snapshot_time: _timestamp_pb2.Timestamp
    balance: _money_pb2.Money
    equity: _money_pb2.Money
    return_percent: str
    drawdown_percent: str
    def __init__(self, snapshot_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., equity: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., return_percent: _Optional[str] = ..., drawdown_percent: _Optional[str] = ...) -> None: ...

class ListInvestmentProductsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListInvestmentProductsResponse(_message.Message):
    __slots__ = ("products",)
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    products: _containers.RepeatedCompositeFieldContainer[InvestmentProduct]
    def __init__(self, products: _Optional[_Iterable[_Union[InvestmentProduct, _Mapping]]] = ...) -> None: ...

class ListInvestmentAccountsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListInvestmentAccountsResponse(_message.Message):
    __slots__ = ("accounts",)
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[InvestmentAccount]
    def __init__(self, accounts: _Optional[_Iterable[_Union[InvestmentAccount, _Mapping]]] = ...) -> None: ...

class CreateInvestmentAccountRequest(_message.Message):
    __slots__ = ("product_id", "amount", "idempotency_key")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    amount: _money_pb2.Money
    idempotency_key: str
    def __init__(self, product_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateInvestmentAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: InvestmentAccount
    def __init__(self, account: _Optional[_Union[InvestmentAccount, _Mapping]] = ...) -> None: ...

class DepositInvestmentRequest(_message.Message):
    __slots__ = ("account_id", "amount", "idempotency_key")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    amount: _money_pb2.Money
    idempotency_key: str
    def __init__(self, account_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class DepositInvestmentResponse(_message.Message):
    __slots__ = ("transaction",)
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    transaction: InvestmentTransfer
    def __init__(self, transaction: _Optional[_Union[InvestmentTransfer, _Mapping]] = ...) -> None: ...

class WithdrawInvestmentRequest(_message.Message):
    __slots__ = ("account_id", "amount", "idempotency_key")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    amount: _money_pb2.Money
    idempotency_key: str
    def __init__(self, account_id: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class WithdrawInvestmentResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: InvestmentTransfer
    def __init__(self, request: _Optional[_Union[InvestmentTransfer, _Mapping]] = ...) -> None: ...

class GetInvestmentPerformanceRequest(_message.Message):
    __slots__ = ("account_id", "to", "page")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    to: _timestamp_pb2.Timestamp
    page: _paging_pb2.PageRequest
    def __init__(self, account_id: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ..., **kwargs) -> None: ...

class GetInvestmentPerformanceResponse(_message.Message):
    __slots__ = ("snapshots", "page")
    SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    snapshots: _containers.RepeatedCompositeFieldContainer[PerformanceSnapshot]
    page: _paging_pb2.PageResponse
    def __init__(self, snapshots: _Optional[_Iterable[_Union[PerformanceSnapshot, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class SubmitKycRequest(_message.Message):
    __slots__ = ("full_name", "country", "document_number")
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    full_name: str
    country: str
    document_number: str
    def __init__(self, full_name: _Optional[str] = ..., country: _Optional[str] = ..., document_number: _Optional[str] = ...) -> None: ...

class SubmitKycResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: KycStatus
    def __init__(self, status: _Optional[_Union[KycStatus, str]] = ...) -> None: ...

class GetKycStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetKycStatusResponse(_message.Message):
    __slots__ = ("status", "reason", "submitted_at", "reviewed_at")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_AT_FIELD_NUMBER: _ClassVar[int]
    status: KycStatus
    reason: str
    submitted_at: _timestamp_pb2.Timestamp
    reviewed_at: _timestamp_pb2.Timestamp
    def __init__(self, status: _Optional[_Union[KycStatus, str]] = ..., reason: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reviewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReviewKycRequest(_message.Message):
    __slots__ = ("user_id", "approve", "reason")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    approve: bool
    reason: str
    def __init__(self, user_id: _Optional[str] = ..., approve: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class ReviewKycResponse(_message.Message):
    __slots__ = ("status", "reason")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    status: KycStatus
    reason: str
    def __init__(self, status: _Optional[_Union[KycStatus, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class AgentDecision(_message.Message):
    __slots__ = ("signal_id", "symbol", "decision", "reason", "quantity", "decide_time")
    SIGNAL_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    signal_id: str
    symbol: str
    decision: str
    reason: str
    quantity: str
    decide_time: _timestamp_pb2.Timestamp
    def __init__(self, signal_id: _Optional[str] = ..., symbol: _Optional[str] = ..., decision: _Optional[str] = ..., reason: _Optional[str] = ..., quantity: _Optional[str] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAgentDecisionsRequest(_message.Message):
    __slots__ = ("account_id", "page")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    page: _paging_pb2.PageRequest
    def __init__(self, account_id: _Optional[str] = ..., page: _Optional[_Union[_paging_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListAgentDecisionsResponse(_message.Message):
    __slots__ = ("decisions", "page")
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[AgentDecision]
    page: _paging_pb2.PageResponse
    def __init__(self, decisions: _Optional[_Iterable[_Union[AgentDecision, _Mapping]]] = ..., page: _Optional[_Union[_paging_pb2.PageResponse, _Mapping]] = ...) -> None: ...
