"""qmail-acceptutils (schmonz, acceptutils 20181228 as in pkgsrc-2020Q2): the parts of
authup and fixsmtpio that more than one program needs."""
