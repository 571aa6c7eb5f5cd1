"""`make bench`: every page and endpoint measured at scale on the production profile.

`bench.data` fills a database with a synthetic data set (`manage.py bench_data`),
`bench.scenarios` names what is measured and its budget, `bench.inprocess` times each
scenario through the WSGI handler, `bench.http` load-tests the key paths through gunicorn,
`bench.rush` submits to a call around its deadline there, and `python -m bench` runs it
all and reports.
"""
