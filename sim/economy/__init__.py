"""The economics as pure array functions: no model object, no state (docs/architecture.md).

market.py    the CES / footloose-capital market block (MODEL.md §3)
choice.py    logit and nested-logit choice, location constants, the capacity rule's pieces
profits.py   per-unit-scale profit components, land need, unit cost, moving costs
finance.py   annuity and duration factors, money units
growth.py    Gibrat growth of firm scale
trends.py    dated growth schedules of places
fiscal.py    local taxes, the general budget's residual, land-transfer revenue (MODEL.md §9.9)
prices.py    GDP deflators and real values (MODEL.md §9.8)
"""
