-- The inventory's own database beside the requests' (POSTGRES_DB); run once by the postgres image.
CREATE DATABASE baolei_inventory OWNER baolei;
