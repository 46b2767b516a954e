"""eseva: the complaint backend, system of record for complaints and handoffs."""
