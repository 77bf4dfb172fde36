"""The annual review report (Surveillance Camera Code, principle 10): its figures in
`cctv.review.selectors`; the pages draw it as HTML, CSV and PDF (dashboards.review_render)."""
