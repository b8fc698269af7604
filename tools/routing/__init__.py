"""Cross-department requests: understanding, routing, tickets, SLA clocks, notifications and health metrics."""
