"""query_forecast: forecasting engine, stored forecasts, question understanding."""
