"""CRM sync: profiles, conversation notes and orders out to CRMs, shop orders in; on an arq queue."""
