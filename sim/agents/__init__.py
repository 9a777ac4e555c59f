"""State and its rules: the firm population (struct-of-arrays), places (sites, land, City and Park
Mesa agents on the grid), the market block, trends, and the rules that move them each step: site
choice, exit and entry, growth, anchors, the base-year seeding, production (docs/architecture.md)."""
