"""Client statements and member reports: one data object per statement, several renderers.

Statements are built from stored settlement results and never recompute a figure, so every
format agrees with the settlement to the cent. Modules: `model` (the client statement as
frozen data), `build` (from the settlement core's AccountResult and plain reference data),
`layout` (number formats, display width for CJK), `text`, `json_render`, `csv_render`,
`pdf` (+ `cjk_font`, the embedded Noto Sans SC), `monthly` (月结单 from daily statements),
`member_clients` (a member's sortable summary of its client accounts), `monthly_render`
(the monthly statement in text, JSON, CSV), `member_reports` (a settlement member's P&L,
trade, position and fund settlement tables at exchange rates) and `source` (all of these from
a run's stored results in the database).
"""
