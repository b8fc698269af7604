"""ROI reports: finance core, case evidence, DOCX/PDF rendering."""
