"""Seeded simulations: the invented clients and therapists of the course's demonstrations, one file per topic.

Each simulation draws all its random numbers from ``numpy.random.default_rng(seed)`` with a visible default seed,
so a figure in the notes, an exercise and its model answer all agree. Import the topic you need (nothing is
imported here, so a notebook loads only its own simulations):

* :mod:`helpcourse.simulate.alliance` - alliance and outcome, therapist effects, the between/within-therapist
  alliance model and early improvement (modules 01 and 04);
* :mod:`helpcourse.simulate.caseload` - one helper's caseload and how many clients end above the median (module 03);
* :mod:`helpcourse.simulate.preferences` - a preference-matching trial with dropout, and its power (module 05);
* :mod:`helpcourse.simulate.weak_evidence` - many small studies and selective publication (module 06);
* :mod:`helpcourse.simulate.monitoring` - reactance matching and routine-outcome-monitoring alarms (module 07).
"""
