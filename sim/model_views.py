"""Read-only views of the model's components under the names results, reports, checks and tests
read (``m.site``, ``m.lever_val``, ``m.free_land`` ...). Each view returns the component's own
array (no copy): writing *into* it changes the component; assigning to the name is an error. The
components are the state; these names are the model's public vocabulary (docs/architecture.md)."""
from __future__ import annotations


def _view(component: str, attr: str, doc: str) -> property:
    def get(self):
        return getattr(getattr(self, component), attr)
    return property(get, doc=doc)


class ModelViews:
    """Views of ``firms``, ``sites``, ``land_state``, ``market``, ``trends``, ``lever_set``,
    ``policy``, ``ledger``, ``tally`` and ``flows`` (attributes the model sets)."""

    FIRM_ARRAYS = ("firm_id", "sector", "site", "scale", "home", "alive", "land",
                   "arrived_t", "land_disc", "induced", "pivotal", "pinned")

    firm_id = _view("firms", "firm_id", "firms.firm_id")
    sector = _view("firms", "sector", "firms.sector")
    site = _view("firms", "site", "firms.site")
    scale = _view("firms", "scale", "firms.scale")
    home = _view("firms", "home", "firms.home")
    alive = _view("firms", "alive", "firms.alive")
    land = _view("firms", "land", "firms.land")
    arrived_t = _view("firms", "arrived_t", "firms.arrived_t")
    land_disc = _view("firms", "land_disc", "firms.land_disc")
    induced = _view("firms", "induced", "firms.induced")
    pivotal = _view("firms", "pivotal", "firms.pivotal")
    pinned = _view("firms", "pinned", "firms.pinned")
    output = _view("firms", "output", "firms.output")
    va = _view("firms", "va", "firms.va")
    jobs = _view("firms", "jobs", "firms.jobs")
    next_id = _view("firms", "next_id", "firms.next_id")
    site_ids = _view("sites", "ids", "sites.ids")
    site_market = _view("sites", "market", "sites.market")
    site_market_arr = _view("sites", "market_arr", "sites.market_arr")
    site_kind = _view("sites", "kind", "sites.kind")
    site_node = _view("sites", "node", "sites.node")
    is_park = _view("sites", "is_park", "sites.is_park")
    is_origin = _view("sites", "is_origin", "sites.is_origin")
    n_parks = _view("sites", "n_parks", "sites.n_parks")
    site_nest = _view("sites", "nest", "sites.nest")
    park_opens = _view("sites", "park_opens", "sites.park_opens")
    site_city_w = _view("sites", "city_w", "sites.city_w")
    free_land = _view("land_state", "free", "land_state.free")
    land_price = _view("land_state", "price", "land_state.price")
    land_price0 = _view("land_state", "price0", "land_state.price0")
    land_growth_site = _view("land_state", "growth", "land_state.growth")
    sigma = _view("market", "sigma", "market.sigma")
    mu = _view("market", "mu", "market.mu")
    phi = _view("market", "phi", "market.phi")
    g = _view("market", "g", "market.g")
    cost = _view("market", "cost", "market.cost")
    cost0 = _view("market", "cost0", "market.cost0")
    income = _view("market", "income", "market.income")
    income0 = _view("market", "income0", "market.income0")
    external = _view("market", "external", "market.external")
    extra_demand = _view("market", "extra_demand", "market.extra_demand")
    pi_scale = _view("market", "pi_scale", "market.pi_scale")
    net_scale = _view("market", "net_scale", "market.net_scale")
    pibar = _view("market", "pibar", "market.pibar")
    pibar_firm = _view("market", "pibar_firm", "market.pibar_firm")
    land_int = _view("market", "land_int", "market.land_int")
    capital_per = _view("market", "capital_per", "market.capital_per")
    f_income = _view("trends", "f_income", "trends.f_income")
    f_wage = _view("trends", "f_wage", "trends.f_wage")
    f_pop = _view("trends", "f_pop", "trends.f_pop")
    f_land = _view("trends", "f_land", "trends.f_land")
    s_income = _view("trends", "s_income", "trends.s_income")
    s_wage = _view("trends", "s_wage", "trends.s_wage")
    s_pop = _view("trends", "s_pop", "trends.s_pop")
    s_land = _view("trends", "s_land", "trends.s_land")
    levers = _view("lever_set", "levers", "lever_set.levers")
    lever_ids = _view("lever_set", "ids", "lever_set.ids")
    lever_kind = _view("lever_set", "kind", "lever_set.kind")
    lever_sched = _view("lever_set", "sched", "lever_set.sched")
    lever_start = _view("lever_set", "start", "lever_set.start")
    lever_new = _view("lever_set", "new", "lever_set.new")
    lever_years = _view("lever_set", "years", "lever_set.years")
    lever_budget = _view("lever_set", "budget", "lever_set.budget")
    lever_cost = _view("lever_set", "cost", "lever_set.cost")
    lever_mask = _view("lever_set", "mask", "lever_set.mask")
    lever_city = _view("lever_set", "city", "lever_set.city")
    lever_val = _view("policy", "val", "policy.val")
    lever_spent_year = _view("policy", "spent_year", "policy.spent_year")
    lever_exhausted = _view("policy", "exhausted", "policy.exhausted")
    budget_events = _view("policy", "budget_events", "policy.budget_events")
    cum_retained = _view("policy", "cum_retained", "policy.cum_retained")
    cost_kappa = _view("policy", "cost_kappa", "policy.cost_kappa")
    rate_u = _view("policy", "rate_u", "policy.rate_u")
    spend_scale = _view("policy", "spend_scale", "policy.spend_scale")
    spend_firm = _view("policy", "spend_firm", "policy.spend_firm")
    ledger_spend = _view("ledger", "spend", "ledger.spend")
    ledger_spend_induced = _view("ledger", "spend_induced", "ledger.spend_induced")
    ledger_revenue = _view("ledger", "revenue", "ledger.revenue")
    induced_arrivals = _view("tally", "induced", "tally.induced")
    deadweight_arrivals = _view("tally", "deadweight", "tally.deadweight")
    unpaid_arrivals = _view("tally", "unpaid", "tally.unpaid")
    jointly_induced_arrivals = _view("tally", "jointly", "tally.jointly")
    money_induced_arrivals = _view("tally", "money_induced", "tally.money_induced")
    pivotal_arrivals = _view("tally", "pivotal", "tally.pivotal")
    arrivals = _view("flows", "arrivals", "flows.arrivals")
    departures = _view("flows", "departures", "flows.departures")
    arrivals_from = _view("flows", "arrivals_from", "flows.arrivals_from")
    exits = _view("flows", "exits", "flows.exits")
    entries = _view("flows", "entries", "flows.entries")

    @property
    def nest_layout(self):
        return self.choice.layout

    @property
    def _supply_raw(self):
        return self.market.supply_raw

    @property
    def wages_city(self):
        return self.wages_market[: self.n_cities]

