"""The licensing authority's side: applications, decisions, denial notifications exchanged between
Member States, "essentially identical transaction" warnings and statistics (Regulation (EU) 2021/821)."""
