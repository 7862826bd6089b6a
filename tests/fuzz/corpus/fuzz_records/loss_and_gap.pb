*	edisensor€€¨±ãŸçËb
ringbuffull>	edisensor€€¨±ãŸçËj%

	192.0.2.1	192.0.2.2À¸ é¹`´