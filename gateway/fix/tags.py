"""Tag numbers and enumerated values the gateway reads and writes, including our own tags.

The quickfix binding has generated field classes, but several of them only take floats
(`fix.Price`), so the codec works with plain tag numbers and string values: this module is
the one place those numbers are named.
"""

from __future__ import annotations

# Standard tags
ACCOUNT = 1
AVG_PX = 6
BEGIN_STRING = 8
CL_ORD_ID = 11
CUM_QTY = 14
EXEC_ID = 17
EXEC_TRANS_TYPE = 20
SECURITY_ID_SOURCE = 22
LAST_PX = 31
LAST_QTY = 32  # LastShares in FIX 4.2
MSG_SEQ_NUM = 34
MSG_TYPE = 35
ORDER_ID = 37
ORDER_QTY = 38
ORD_STATUS = 39
ORD_TYPE = 40
ORIG_CL_ORD_ID = 41
PRICE = 44
REF_SEQ_NUM = 45
SECURITY_ID = 48
SENDER_COMP_ID = 49
SENDER_SUB_ID = 50
SIDE = 54
SYMBOL = 55
TARGET_COMP_ID = 56
TARGET_SUB_ID = 57
TEXT = 58
TIME_IN_FORCE = 59
TRANSACT_TIME = 60
TRADE_DATE = 75
POSITION_EFFECT = 77  # OpenClose in FIX 4.2
POSS_RESEND = 97
STOP_PX = 99
CXL_REJ_REASON = 102
ORD_REJ_REASON = 103
ON_BEHALF_OF_COMP_ID = 115
ON_BEHALF_OF_SUB_ID = 116
EXPIRE_TIME = 126
DELIVER_TO_COMP_ID = 128
DELIVER_TO_SUB_ID = 129
EXEC_TYPE = 150
LEAVES_QTY = 151
SECURITY_TYPE = 167
MATURITY_MONTH_YEAR = 200
SECURITY_EXCHANGE = 207
BUSINESS_REJECT_REF_ID = 379
BUSINESS_REJECT_REASON = 380
REF_MSG_TYPE = 372
EXPIRE_DATE = 432
CXL_REJ_RESPONSE_TO = 434
USERNAME = 553
PASSWORD = 554
NEW_PASSWORD = 925

# Tags that carry secrets: masked in every log we write.
SECRET_TAGS = (PASSWORD, NEW_PASSWORD)

# Routing tags that are not order content (copied or reversed on the way back).
ROUTING_TAGS = (ON_BEHALF_OF_COMP_ID, ON_BEHALF_OF_SUB_ID, DELIVER_TO_COMP_ID, DELIVER_TO_SUB_ID, SENDER_SUB_ID, TARGET_SUB_ID)

# FIX user-defined tag range: tags here that we do not interpret are kept with the order.
USER_DEFINED_MIN = 5000
USER_DEFINED_MAX = 9999

# Our own user-defined tag: which lots a close takes on exchanges that charge them apart
# (SHFE/INE). Sent with PositionEffect(77)=C; absent means a plain close.
CLOSE_TODAY_YESTERDAY = 5077
CLOSE_TODAY = "T"
CLOSE_YESTERDAY = "Y"

# SecurityIDSource(22) values we resolve.
SOURCE_ISIN = "4"
SOURCE_EXCHANGE_SYMBOL = "8"
SOURCE_BLOOMBERG = "A"
SOURCE_FIGI = "S"
FIGI_PRIVATE_SOURCE = "112"  # private-range alias for FIGI, see fixspec/README.md

# Order status, mass cancel, mass status and positions (FIX 4.4)
MASS_CANCEL_REQUEST_TYPE = 530
MASS_CANCEL_RESPONSE = 531
MASS_CANCEL_REJECT_REASON = 532
TOTAL_AFFECTED_ORDERS = 533
MASS_STATUS_REQ_ID = 584
MASS_STATUS_REQ_TYPE = 585
TOT_NUM_REPORTS = 911
LAST_RPT_REQUESTED = 912
POS_REQ_ID = 710
POS_REQ_TYPE = 724
POS_MAINT_RPT_ID = 721
TOTAL_NUM_POS_REPORTS = 727
POS_REQ_RESULT = 728
POS_REQ_STATUS = 729
CLEARING_BUSINESS_DATE = 715
ACCOUNT_TYPE = 581
SETTL_PRICE = 730
SETTL_PRICE_TYPE = 731
PRIOR_SETTL_PRICE = 734
NO_POSITIONS = 702
POS_TYPE = 703
LONG_QTY = 704
SHORT_QTY = 705
NO_PARTY_IDS = 453
PARTY_ID = 448
PARTY_ID_SOURCE = 447
PARTY_ROLE = 452
